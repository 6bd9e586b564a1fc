// Builds the clients of the platform's services from configuration. The worker, the CLI
// and the tests all use these, so every process talks to the services the same way.
import { isIP } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import axios, { type AxiosInstance } from 'axios';
import { Kafka, type KafkaConfig, logLevel, type SASLOptions } from 'kafkajs';
import {
  createConnection,
  createPool,
  type Connection as MysqlConnection,
  type Pool,
  type SslOptions,
} from 'mysql2/promise';
import type { KafkaSasl, MysqlCredentials, PlatformConfig } from './config';

/** What both the client's Connection and the worker's NativeConnection take. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | true;
  apiKey?: string;
}

/** Only the keys the configuration asks for, so the local stack gets today's plaintext options. */
export function temporalConnectionOptions(config: PlatformConfig): TemporalConnectionOptions {
  const { address, tls, apiKey } = config.temporal;
  if (!tls) return { address };
  const custom: TLSConfig = {
    ...(tls.serverName && { serverNameOverride: tls.serverName }),
    ...(tls.serverRootCaCertificate && { serverRootCACertificate: tls.serverRootCaCertificate }),
    ...(tls.clientCertPair && { clientCertPair: tls.clientCertPair }),
  };
  return {
    address,
    tls: Object.keys(custom).length > 0 ? custom : true,
    ...(apiKey && { apiKey }),
  };
}

export async function connectTemporalClient(config: PlatformConfig): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(config));
  return new Client({ connection, namespace: config.temporal.namespace });
}

export function connectWorkerConnection(config: PlatformConfig): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(config));
}

/**
 * TLS options of every MySQL client; none at all for plaintext. The certificate's chain is always
 * verified; its name is verified when MYSQL_HOST is a host name. For an IP address mysql2 (3.x) gives
 * Node no server name, so Node would check the certificate against "localhost" instead of the address.
 */
export function mysqlSslOptions(config: PlatformConfig): { ssl?: SslOptions } {
  const { host, ssl } = config.mysql;
  if (!ssl) return {};
  return {
    ssl: { ...(ssl.ca && { ca: ssl.ca }), rejectUnauthorized: true, verifyIdentity: isIP(host) === 0 },
  };
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
    ...mysqlSslOptions(config),
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
    ...mysqlSslOptions(config),
  });
}

function kafkajsSasl({ mechanism, username, password }: KafkaSasl): SASLOptions {
  switch (mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/** The brokers and how to reach them; no ssl or sasl key for PLAINTEXT. */
export function kafkaClientOptions(config: PlatformConfig): Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'> {
  const { brokers, securityProtocol, sasl, sslCa } = config.kafka;
  return {
    brokers,
    ...(securityProtocol.endsWith('SSL') && { ssl: sslCa ? { ca: [sslCa] } : true }),
    ...(sasl && { sasl: kafkajsSasl(sasl) }),
  };
}

export function createKafka(config: PlatformConfig, clientId = config.kafka.clientId): Kafka {
  return new Kafka({ clientId, ...kafkaClientOptions(config), logLevel: logLevel.WARN });
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
