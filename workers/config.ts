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
    adminUser: string;
    /** Empty when unset: the admin account is only needed by provisioning and tests. */
    adminPassword: string;
  };
  kafka: {
    brokers: string[];
    clientId: string;
  };
  s3: {
    endpoint: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    /** Path-style URLs (`endpoint/bucket/key`): what local S3 servers and GCS interoperability expect. */
    forcePathStyle: boolean;
  };
  tools: {
    temporalCliPath: string;
    temporalTestServerPath: string;
    tctlPath: string;
    python: string;
  };
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

/** Where the local stack writes its client configuration (see infra/local/lib/config.sh). */
export function localEnvFilePath(env: Env = process.env): string {
  if (env.PETADOTA_ENV_FILE) return env.PETADOTA_ENV_FILE;
  const dataHome = env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(env.PETADOTA_DATA_DIR || join(dataHome, 'petadota'), 'local.env');
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
      adminUser: text('MYSQL_ADMIN_USER', 'petadota_admin'),
      adminPassword: text('MYSQL_ADMIN_PASSWORD', ''),
    },
    kafka: {
      brokers: text('KAFKA_BROKERS', '127.0.0.1:9092')
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean)
        .map((broker) => hostPort('KAFKA_BROKERS', broker)),
      clientId: text('KAFKA_CLIENT_ID', 'petadota'),
    },
    s3: {
      endpoint: url(env, 'S3_ENDPOINT', 'http://127.0.0.1:7070'),
      region: text('S3_REGION', 'us-east-1'),
      accessKeyId: text('S3_ACCESS_KEY_ID', ''),
      secretAccessKey: text('S3_SECRET_ACCESS_KEY', ''),
      forcePathStyle: bool(env, 'S3_FORCE_PATH_STYLE', true),
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
