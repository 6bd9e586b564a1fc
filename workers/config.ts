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
  };
  kafka: {
    brokers: string[];
    clientId: string;
    interactionsTopic: string;
    deadLetterTopic: string;
    topicPartitions: number;
    replicationFactor: number;
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
