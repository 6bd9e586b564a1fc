// Builds the clients of the platform's services from configuration. The worker, the CLI
// and the tests all use these, so every process talks to the services the same way.
import { S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { Kafka, logLevel } from 'kafkajs';
import { createPool, type Pool } from 'mysql2/promise';
import type { PlatformConfig } from './config';

export async function connectTemporalClient(config: PlatformConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function connectWorkerConnection(config: PlatformConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}

export interface MysqlAccount {
  user: string;
  password: string;
  database?: string;
}

export function createMysqlPool(config: PlatformConfig, account: MysqlAccount): Pool {
  return createPool({
    host: config.mysql.host,
    port: config.mysql.port,
    user: account.user,
    password: account.password,
    database: account.database,
    connectionLimit: 10,
    // DATETIME values are UTC throughout the platform.
    timezone: 'Z',
    charset: 'utf8mb4',
  });
}

export function adminAccount(config: PlatformConfig): MysqlAccount {
  return { user: config.mysql.adminUser, password: config.mysql.adminPassword };
}

export function createKafka(config: PlatformConfig, clientId = config.kafka.clientId): Kafka {
  return new Kafka({ clientId, brokers: config.kafka.brokers, logLevel: logLevel.WARN });
}

export function createS3Client(config: PlatformConfig): S3Client {
  return new S3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    forcePathStyle: config.s3.forcePathStyle,
    credentials: { accessKeyId: config.s3.accessKeyId, secretAccessKey: config.s3.secretAccessKey },
  });
}
