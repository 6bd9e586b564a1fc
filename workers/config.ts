// Platform configuration: environment variables first, then the file the local stack writes
// (local.env: addresses and generated credentials), then working local defaults.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from 'node:util';

export interface PlatformConfig {
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    /** null: plaintext, what the local stack serves. */
    tls: TemporalTls | null;
    /** Temporal Cloud's API key, sent as a bearer token (always over TLS); empty when unset. */
    apiKey: string;
  };
  mysql: {
    host: string;
    port: number;
    database: string;
    /** The host part of the platform's accounts (`'user'@'host'`): where their clients connect from. */
    accountHost: string;
    /** Provisioning and tests only: creates the database and the accounts below. */
    admin: MysqlCredentials;
    /** The image pipeline: writes the catalog tables. */
    pipeline: MysqlCredentials;
    /** The stream job: writes the trend tables only. */
    stream: MysqlCredentials;
    /** Reporting: SELECT only. */
    readonly: MysqlCredentials;
    /** null: plaintext (the local stack). Over TLS the server's certificate is always verified. */
    ssl: MysqlSsl | null;
  };
  kafka: {
    brokers: string[];
    clientId: string;
    interactionsTopic: string;
    deadLetterTopic: string;
    topicPartitions: number;
    replicationFactor: number;
    securityProtocol: KafkaSecurityProtocol;
    /** Set exactly when the protocol is SASL_PLAINTEXT or SASL_SSL. */
    sasl: KafkaSasl | null;
    /** PEM CA of the brokers (SSL and SASL_SSL); null: the system's CAs. */
    sslCa: Buffer | null;
  };
  s3: {
    bucket: string;
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** Path-style URLs (`endpoint/bucket/key`): what local S3 servers and GCS interoperability expect. */
    forcePathStyle: boolean;
  };
  /** The public pet APIs the image pipeline reads (the local pet API server in tests and offline). */
  pets: {
    dogApiUrl: string;
    catApiUrl: string;
    /** Sent as `x-api-key` when set; The Cat API answers without one, with fewer breeds. */
    catApiKey: string;
    /** Timeout of each API call and image download. */
    httpTimeoutMs: number;
    /** Images larger than this are rejected (ImageTooLarge) without being read further. */
    maxImageBytes: number;
  };
  /** Cloud mode of provisioning: Terraform creates the bucket and VM, Ansible installs MySQL on it. */
  cloud: {
    terraformDir: string;
    /** The `.tfvars` file with the project, region and names; required in cloud mode. */
    terraformVarFile: string;
    ansiblePlaybook: string;
    /** The inventory the playbook runs on in local mode; cloud mode writes one from Terraform's outputs. */
    ansibleInventory: string;
    /** Where cloud mode writes generated inventories. */
    stateDir: string;
  };
  tools: {
    temporalCliPath: string;
    temporalTestServerPath: string;
    tctlPath: string;
    python: string;
  };
}

export interface TemporalTls {
  /** SNI and the name the server's certificate must carry; empty: the host of the address. */
  serverName: string;
  /** PEM CA of a self-hosted cluster; null: the system's CAs (Temporal Cloud). */
  serverRootCaCertificate: Buffer | null;
  /** mTLS: the client certificate and its private key, PEM. */
  clientCertPair: { crt: Buffer; key: Buffer } | null;
}

export interface MysqlSsl {
  /** PEM CA of the server; null: the system's CAs (a managed MySQL with a public certificate). */
  ca: Buffer | null;
}

/** Kafka's own names (`security.protocol`, `sasl.mechanism`), so the Spark job reads the same values. */
export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
export const KAFKA_SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

/** A password is empty when its variable is unset; whoever needs the account reports that. */
export interface MysqlCredentials {
  user: string;
  password: string;
  /** The variable the password comes from, for error messages. */
  passwordVariable: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const REPO_ROOT = join(__dirname, '..');

/** The stack's data directory (see infra/local/lib/config.sh). */
function dataDir(env: Env): string {
  return env.PETADOTA_DATA_DIR || join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'petadota');
}

/** Where the local stack writes its client configuration. */
export function localEnvFilePath(env: Env = process.env): string {
  return env.PETADOTA_ENV_FILE || join(dataDir(env), 'local.env');
}

/** Real environment variables win over the stack's file, so an operator can always override. */
export function resolveEnv(env: Env = process.env): Env {
  const file = localEnvFilePath(env);
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  const merged: Record<string, string | undefined> = { ...fromFile };
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') merged[key] = value;
  }
  return merged;
}

export function loadConfig(env: Env = resolveEnv()): PlatformConfig {
  const text = (name: string, fallback: string): string => env[name] || fallback;
  const toolsHome =
    env.PETADOTA_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'petadota');

  return {
    temporal: {
      address: hostPort('TEMPORAL_ADDRESS', text('TEMPORAL_ADDRESS', '127.0.0.1:7233')),
      namespace: text('TEMPORAL_NAMESPACE', 'default'),
      uiUrl: url(env, 'TEMPORAL_UI_URL', 'http://127.0.0.1:8233'),
      tls: temporalTls(env),
      apiKey: text('TEMPORAL_API_KEY', ''),
    },
    mysql: {
      host: text('MYSQL_HOST', '127.0.0.1'),
      port: port(env, 'MYSQL_PORT', 3306),
      database: identifier('MYSQL_DATABASE', text('MYSQL_DATABASE', 'Pet_Adota')),
      accountHost: text('MYSQL_ACCOUNT_HOST', '127.0.0.1'),
      admin: credentials(env, 'ADMIN', 'petadota_admin'),
      pipeline: credentials(env, 'PIPELINE', 'petadota_pipeline'),
      stream: credentials(env, 'STREAM', 'petadota_stream'),
      readonly: credentials(env, 'READONLY', 'petadota_leitura'),
      ssl: mysqlSsl(env),
    },
    kafka: {
      brokers: text('KAFKA_BROKERS', '127.0.0.1:9092')
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean)
        .map((broker) => hostPort('KAFKA_BROKERS', broker)),
      clientId: text('KAFKA_CLIENT_ID', 'petadota'),
      interactionsTopic: topicName(
        'KAFKA_INTERACTIONS_TOPIC',
        text('KAFKA_INTERACTIONS_TOPIC', 'pet-adota-interacoes'),
      ),
      deadLetterTopic: topicName(
        'KAFKA_DEAD_LETTER_TOPIC',
        text('KAFKA_DEAD_LETTER_TOPIC', 'pet-adota-interacoes-dlq'),
      ),
      topicPartitions: positiveInteger(env, 'KAFKA_TOPIC_PARTITIONS', 3),
      replicationFactor: positiveInteger(env, 'KAFKA_REPLICATION_FACTOR', 1),
      ...kafkaSecurity(env),
    },
    s3: {
      bucket: bucketName('S3_BUCKET', text('S3_BUCKET', 'pet-adota-imagens')),
      endpoint: url(env, 'S3_ENDPOINT', 'http://127.0.0.1:7070'),
      region: text('S3_REGION', 'us-east-1'),
      accessKeyId: text('S3_ACCESS_KEY_ID', ''),
      secretAccessKey: text('S3_SECRET_ACCESS_KEY', ''),
      forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', true),
    },
    pets: {
      dogApiUrl: url(env, 'DOG_API_URL', 'https://dog.ceo/api'),
      catApiUrl: url(env, 'CAT_API_URL', 'https://api.thecatapi.com/v1'),
      catApiKey: text('CAT_API_KEY', ''),
      httpTimeoutMs: positiveInteger(env, 'PET_API_TIMEOUT_MS', 10_000),
      maxImageBytes: positiveInteger(env, 'MAX_IMAGE_BYTES', 5 * 1024 * 1024),
    },
    cloud: {
      terraformDir: text('TERRAFORM_DIR', join(REPO_ROOT, 'infra', 'terraform')),
      terraformVarFile: text('TERRAFORM_VAR_FILE', ''),
      ansiblePlaybook: text('ANSIBLE_PLAYBOOK', join(REPO_ROOT, 'infra', 'ansible', 'playbook.yml')),
      ansibleInventory: text(
        'ANSIBLE_INVENTORY',
        join(REPO_ROOT, 'infra', 'ansible', 'inventory', 'local.ini'),
      ),
      stateDir: join(dataDir(env), 'cloud'),
    },
    tools: {
      temporalCliPath: text('TEMPORAL_CLI_PATH', join(toolsHome, 'venv', 'bin', 'temporal')),
      temporalTestServerPath: text(
        'TEMPORAL_TEST_SERVER_PATH',
        join(toolsHome, 'venv', 'bin', 'temporal-test-server'),
      ),
      tctlPath: text('TCTL_PATH', join(toolsHome, 'bin', 'tctl')),
      python: text('PETADOTA_PYTHON', join(toolsHome, 'venv', 'bin', 'python')),
    },
  };
}

/** Every one of these needs TLS, so setting any of them turns it on unless TEMPORAL_TLS says no. */
const TEMPORAL_TLS_IMPLIED_BY = [
  'TEMPORAL_TLS_CERT_PATH',
  'TEMPORAL_TLS_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_API_KEY',
];

function temporalTls(env: Env): TemporalTls | null {
  const implying = TEMPORAL_TLS_IMPLIED_BY.filter((name) => env[name]);
  if (!bool(env, 'TEMPORAL_TLS', implying.length > 0)) {
    // Plaintext would send the API key in the clear, or silently drop the certificates.
    if (implying.length > 0) {
      throw new ConfigError('TEMPORAL_TLS', `is false, but TLS is required by ${implying.join(', ')}`);
    }
    return null;
  }
  const [certificateVariable, keyVariable] = ['TEMPORAL_TLS_CERT_PATH', 'TEMPORAL_TLS_KEY_PATH'] as const;
  if (!env[certificateVariable] !== !env[keyVariable]) {
    throw new ConfigError(
      env[certificateVariable] ? keyVariable : certificateVariable,
      `the client certificate and its key go together: set both ${certificateVariable} and ${keyVariable}, or neither`,
    );
  }
  const crt = pemFile(env, certificateVariable);
  const key = pemFile(env, keyVariable);
  return {
    serverName: env.TEMPORAL_TLS_SERVER_NAME || '',
    serverRootCaCertificate: pemFile(env, 'TEMPORAL_TLS_SERVER_CA_PATH'),
    clientCertPair: crt && key ? { crt, key } : null,
  };
}

function kafkaSecurity(env: Env): Pick<PlatformConfig['kafka'], 'securityProtocol' | 'sasl' | 'sslCa'> {
  const securityProtocol = choice(env, 'KAFKA_SECURITY_PROTOCOL', KAFKA_SECURITY_PROTOCOLS, 'PLAINTEXT');
  const withSasl = securityProtocol.startsWith('SASL_');
  const withTls = securityProtocol.endsWith('SSL');
  // Credentials or a CA the protocol would not use are a mistake, not something to ignore.
  const unused = [
    ...(withSasl ? [] : ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']),
    ...(withTls ? [] : ['KAFKA_SSL_CA_PATH']),
  ].find((name) => env[name]);
  if (unused) {
    throw new ConfigError(unused, `is not used with KAFKA_SECURITY_PROTOCOL=${securityProtocol}`);
  }
  return {
    securityProtocol,
    sasl: withSasl
      ? {
          mechanism: choice(env, 'KAFKA_SASL_MECHANISM', KAFKA_SASL_MECHANISMS, null),
          username: required(env, 'KAFKA_SASL_USERNAME', `${securityProtocol} needs it`),
          password: required(env, 'KAFKA_SASL_PASSWORD', `${securityProtocol} needs it`),
        }
      : null,
    sslCa: withTls ? pemFile(env, 'KAFKA_SSL_CA_PATH') : null,
  };
}

function mysqlSsl(env: Env): MysqlSsl | null {
  if (!bool(env, 'MYSQL_SSL', Boolean(env.MYSQL_SSL_CA_PATH))) {
    if (env.MYSQL_SSL_CA_PATH) throw new ConfigError('MYSQL_SSL', 'is false, but MYSQL_SSL_CA_PATH is set');
    return null;
  }
  return { ca: pemFile(env, 'MYSQL_SSL_CA_PATH') };
}

/** Certificates and keys are read at start-up, so that a wrong path fails before any connection. */
function pemFile(env: Env, name: string): Buffer | null {
  const path = env[name];
  if (!path) return null;
  let contents: Buffer;
  try {
    contents = readFileSync(path);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new ConfigError(name, `cannot read '${path}' (${code ?? message})`);
  }
  if (!contents.includes('-----BEGIN ')) throw new ConfigError(name, `'${path}' is not a PEM file`);
  return contents;
}

function required(env: Env, name: string, why: string): string {
  const value = env[name];
  if (!value) throw new ConfigError(name, `is not set: ${why}`);
  return value;
}

/** `fallback` null: the variable is required. */
function choice<T extends string>(env: Env, name: string, choices: readonly T[], fallback: T | null): T {
  const raw = env[name];
  if (!raw && fallback !== null) return fallback;
  const value = choices.find((candidate) => candidate === raw);
  if (value === undefined) {
    const got = raw ? `got '${raw}'` : 'it is not set';
    throw new ConfigError(name, `expected one of ${choices.join(', ')}; ${got}`);
  }
  return value;
}

function credentials(env: Env, role: string, defaultUser: string): MysqlCredentials {
  const userVariable = `MYSQL_${role}_USER`;
  const passwordVariable = `MYSQL_${role}_PASSWORD`;
  return {
    user: identifier(userVariable, env[userVariable] || defaultUser),
    password: env[passwordVariable] || '',
    passwordVariable,
  };
}

/** Database and account names go into SQL as identifiers, so only a safe alphabet is accepted. */
function identifier(name: string, value: string): string {
  if (!/^[A-Za-z0-9_]{1,64}$/.test(value)) {
    throw new ConfigError(name, `expected 1 to 64 letters, digits or underscores, got '${value}'`);
  }
  return value;
}

function topicName(name: string, value: string): string {
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(value) || value === '.' || value === '..') {
    throw new ConfigError(
      name,
      `expected a Kafka topic name (letters, digits, '.', '_', '-'), got '${value}'`,
    );
  }
  return value;
}

/** S3 bucket naming rules: 3 to 63 lower-case letters, digits, dots and hyphens, no IP addresses. */
function bucketName(name: string, value: string): string {
  if (
    !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) ||
    value.includes('..') ||
    /^\d+\.\d+\.\d+\.\d+$/.test(value)
  ) {
    throw new ConfigError(
      name,
      `expected an S3 bucket name (3-63 lower-case letters, digits, '.', '-'), got '${value}'`,
    );
  }
  return value;
}

function positiveInteger(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(name, `expected a positive integer, got '${raw}'`);
  return value;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new ConfigError(name, `expected a port number from 1 to 65535, got '${raw}'`);
  }
  return value;
}

function hostPort(name: string, value: string): string {
  const match = /^([^\s:/]+|\[[0-9a-fA-F:]+\]):(\d+)$/.exec(value);
  if (!match) throw new ConfigError(name, `expected host:port, got '${value}'`);
  port({ [name]: match[2] }, name, 0);
  return value;
}

function url(env: Env, name: string, fallback: string): string {
  const value = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(name, `expected an http(s) URL, got '${value}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(name, `expected an http(s) URL, got '${value}'`);
  }
  return value.replace(/\/+$/, '');
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (!raw) return fallback;
  if (/^(1|true|yes)$/i.test(raw)) return true;
  if (/^(0|false|no)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got '${raw}'`);
}
