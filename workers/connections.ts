// Builds the clients of the platform's services from configuration. The worker, the CLI
// and the tests all use these, so every process talks to the services the same way.
import { S3Client } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import axios, { type AxiosInstance } from 'axios';
import { Kafka, logLevel } from 'kafkajs';
import { createConnection, createPool, type Connection as MysqlConnection, type Pool } from 'mysql2/promise';
import type { MysqlCredentials, PlatformConfig } from './config';

export async function connectTemporalClient(config: PlatformConfig): Promise<Client> {
  const connection = await Connection.connect({ address: config.temporal.address });
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function connectWorkerConnection(config: PlatformConfig): Promise<NativeConnection> {
  return NativeConnection.connect({ address: config.temporal.address });
}

/** A pool for one account, on the platform database unless `database` says otherwise (null: none). */
export function createMysqlPool(
  config: PlatformConfig,
  account: MysqlCredentials,
  database: string | null = config.mysql.database,
): Pool {
  return createPool({
    host: config.mysql.host,
    port: config.mysql.port,
    user: account.user,
    password: account.password,
    database: database ?? undefined,
    connectionLimit: 10,
    // DATETIME values are UTC throughout the platform.
    timezone: 'Z',
    charset: 'utf8mb4',
  });
}

/**
 * One connection, for administrative work: `multipleStatements` lets a whole migration file run
 * as one query, so it is only ever enabled for the admin account on trusted SQL files.
 */
export function connectMysql(
  config: PlatformConfig,
  account: MysqlCredentials,
  options: { database?: string; multipleStatements?: boolean } = {},
): Promise<MysqlConnection> {
  return createConnection({
    host: config.mysql.host,
    port: config.mysql.port,
    user: account.user,
    password: account.password,
    database: options.database,
    multipleStatements: options.multipleStatements ?? false,
    timezone: 'Z',
    charset: 'utf8mb4',
    connectTimeout: 10_000,
  });
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

/**
 * HTTP for the pet APIs: every status is returned (the activities decide what each means),
 * redirects and bodies are bounded. Image downloads raise the body limit to MAX_IMAGE_BYTES.
 */
export function createHttpClient(config: PlatformConfig): AxiosInstance {
  return axios.create({
    timeout: config.pets.httpTimeoutMs,
    maxRedirects: 3,
    maxContentLength: 1024 * 1024,
    validateStatus: () => true,
    headers: { 'User-Agent': 'PetAdota-data-platform/0.1' },
  });
}
