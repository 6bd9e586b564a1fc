// Builds the clients of the platform's services from configuration. The worker, the CLI
// and the tests all use these, so every process talks to the services the same way.
import { isIP } from 'node:net';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import axios, { type AxiosInstance } from 'axios';
import type { ProducerGlobalConfig } from '@confluentinc/kafka-javascript';
import { Kafka, type KafkaConfig as KafkajsConfig, logLevel, type SASLOptions } from 'kafkajs';
import {
  createConnection,
  createPool,
  type Connection as MysqlConnection,
  type Pool,
  type SslOptions,
} from 'mysql2/promise';
import type { KafkaSasl, MysqlCredentials, PlatformConfig, TemporalConnectionOptions } from './config';

type TemporalConfig = PlatformConfig['temporal'];
export type MysqlConfig = PlatformConfig['mysql'];
export type KafkaConfig = PlatformConfig['kafka'];
export type S3Config = PlatformConfig['s3'];

/** What both the client's Connection and the worker's NativeConnection take. */
export function temporalConnectionOptions(temporal: TemporalConfig): TemporalConnectionOptions {
  return temporal.connection;
}

export async function connectTemporalClient(temporal: TemporalConfig): Promise<Client> {
  const connection = await Connection.connect(temporalConnectionOptions(temporal));
  return new Client({ connection, namespace: temporal.namespace });
}

export function connectWorkerConnection(temporal: TemporalConfig): Promise<NativeConnection> {
  return NativeConnection.connect(temporalConnectionOptions(temporal));
}

/**
 * TLS options of every MySQL client; none at all for plaintext. The certificate's chain is always
 * verified; its name is verified when MYSQL_HOST is a host name. For an IP address mysql2 (3.x) gives
 * Node no server name, so Node would check the certificate against "localhost" instead of the address.
 */
export function mysqlSslOptions({ host, ssl }: MysqlConfig): { ssl?: SslOptions } {
  if (!ssl) return {};
  return {
    ssl: { ...(ssl.ca && { ca: ssl.ca }), rejectUnauthorized: true, verifyIdentity: isIP(host) === 0 },
  };
}

/** A pool for one account, on the platform database unless `database` says otherwise (null: none). */
export function createMysqlPool(
  mysql: MysqlConfig,
  account: MysqlCredentials,
  database: string | null = mysql.database,
): Pool {
  return createPool({
    host: mysql.host,
    port: mysql.port,
    user: account.user,
    password: account.password,
    database: database ?? undefined,
    connectionLimit: 10,
    // DATETIME values are UTC throughout the platform.
    timezone: 'Z',
    charset: 'utf8mb4',
    ...mysqlSslOptions(mysql),
  });
}

/**
 * One connection, for administrative work: `multipleStatements` lets a whole migration file run
 * as one query, so it is only ever enabled for the admin account on trusted SQL files.
 */
export function connectMysql(
  mysql: MysqlConfig,
  account: MysqlCredentials,
  options: { database?: string; multipleStatements?: boolean } = {},
): Promise<MysqlConnection> {
  return createConnection({
    host: mysql.host,
    port: mysql.port,
    user: account.user,
    password: account.password,
    database: options.database,
    multipleStatements: options.multipleStatements ?? false,
    timezone: 'Z',
    charset: 'utf8mb4',
    connectTimeout: 10_000,
    ...mysqlSslOptions(mysql),
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
export function kafkaClientOptions({
  brokers,
  securityProtocol,
  sasl,
  sslCa,
}: KafkaConfig): Pick<KafkajsConfig, 'brokers' | 'ssl' | 'sasl'> {
  return {
    brokers,
    ...(securityProtocol.endsWith('SSL') && { ssl: sslCa ? { ca: [sslCa] } : true }),
    ...(sasl && { sasl: kafkajsSasl(sasl) }),
  };
}

type LibrdkafkaConnection = Pick<
  ProducerGlobalConfig,
  | 'bootstrap.servers'
  | 'security.protocol'
  | 'ssl.ca.pem'
  | 'sasl.mechanisms'
  | 'sasl.username'
  | 'sasl.password'
>;

/** The same, in librdkafka's configuration properties (Confluent's client: the simulator's producer). */
export function librdkafkaOptions({
  brokers,
  securityProtocol,
  sasl,
  sslCa,
}: KafkaConfig): LibrdkafkaConnection {
  return {
    'bootstrap.servers': brokers.join(','),
    'security.protocol': securityProtocol.toLowerCase() as LibrdkafkaConnection['security.protocol'],
    ...(sslCa && { 'ssl.ca.pem': sslCa.toString('utf8') }),
    ...(sasl && {
      'sasl.mechanisms': sasl.mechanism,
      'sasl.username': sasl.username,
      'sasl.password': sasl.password,
    }),
  };
}

export function createKafka(kafka: KafkaConfig, clientId = kafka.clientId): Kafka {
  return new Kafka({ clientId, ...kafkaClientOptions(kafka), logLevel: logLevel.WARN });
}

/** Whose key the client signs with: each role may do only what the bucket policies grant it. */
export type S3Role = 'admin' | 'pipeline' | 'stream' | 'readonly';

/** `options`: what else the client needs (its HTTP handler, say). */
export function createS3Client(s3: S3Config, role: S3Role, options: S3ClientConfig = {}): S3Client {
  const { accessKeyId, secretAccessKey } = s3[role];
  return new S3Client({
    ...options,
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: { accessKeyId, secretAccessKey },
  });
}

/**
 * HTTP for the pet APIs: every status is returned (the activities decide what each means),
 * redirects and bodies are bounded. Image downloads raise the body limit to MAX_IMAGE_BYTES.
 */
export function createHttpClient(timeoutMs: number): AxiosInstance {
  return axios.create({
    timeout: timeoutMs,
    maxRedirects: 3,
    maxContentLength: 1024 * 1024,
    validateStatus: () => true,
    headers: { 'User-Agent': 'PetAdota-data-platform/0.1' },
  });
}
