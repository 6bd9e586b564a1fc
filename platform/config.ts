// The platform's configuration, from the one declaration of every variable (settings.json):
// environment variables first, then the file the local stack writes (local.env: addresses and
// generated credentials), then the declared defaults. Temporal's connection comes from Temporal's
// own client configuration loader (@temporalio/envconfig: its variables and TOML profiles).
import { readFileSync } from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { type Env, resolveEnv, settingsFor } from './settings';

export { ConfigError, type Env, localEnvFilePath, resolveEnv } from './settings';

export interface PlatformConfig {
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    /** What the client's Connection and the worker's NativeConnection are given. */
    connection: TemporalConnectionOptions;
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
    /** min.insync.replicas of the topics provisioning creates (at most replicationFactor). */
    minInsyncReplicas: number;
    securityProtocol: KafkaSecurityProtocol;
    /** Set exactly when the protocol is SASL_PLAINTEXT or SASL_SSL. */
    sasl: KafkaSasl | null;
    /** PEM CA of the brokers (SSL and SASL_SSL); null: the system's CAs. */
    sslCa: Buffer | null;
  };
  s3: {
    /** The images. */
    bucket: string;
    /** The trends job's Parquet archive of every click record. */
    archiveBucket: string;
    endpoint: string;
    region: string;
    /** Provisioning and tests only: creates the buckets and their policies. */
    admin: S3Key;
    /** The image pipeline: the image bucket. */
    pipeline: S3Key;
    /** The trends job: the archive bucket. */
    stream: S3Key;
    /** Reporting and the site: reads the archive and the images. */
    readonly: S3Key;
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
  /** The site: the gallery, the click collector and the live dashboard. */
  site: {
    port: number;
    /** Where the site is, for its clients (the simulator through the collector, the tests). */
    url: string;
    maxBodyBytes: number;
    maxEventsPerRequest: number;
    /** How long the collector waits for Kafka's acknowledgement before answering 503. */
    kafkaTimeoutMs: number;
    staleAfterSeconds: number;
    refreshMs: number;
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

/** Only the keys the configuration asks for: the local stack gets `{ address }`, plaintext. */
export interface TemporalConnectionOptions {
  address: string;
  /** true: TLS with the system's CAs (Temporal Cloud). */
  tls?: TemporalTls | true;
  /** Temporal Cloud's API key, sent as a bearer token (always over TLS). */
  apiKey?: string;
}

export interface TemporalTls {
  /** SNI and the name the server's certificate must carry. */
  serverNameOverride?: string;
  /** PEM CA of a self-hosted cluster. */
  serverRootCACertificate?: Buffer;
  /** mTLS: the client certificate and its private key, PEM. */
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface MysqlSsl {
  /** PEM CA of the server; null: the system's CAs (a managed MySQL with a public certificate). */
  ca: Buffer | null;
}

/** Kafka's own names (`security.protocol`, `sasl.mechanism`): the choices of settings.json. */
export type KafkaSecurityProtocol = 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
export type KafkaSaslMechanism = 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';

export interface KafkaSasl {
  mechanism: KafkaSaslMechanism;
  username: string;
  password: string;
}

/** A key is empty when its variables are unset; the store's refusal then names the key. */
export interface S3Key {
  accessKeyId: string;
  secretAccessKey: string;
}

/** A password is empty when its variable is unset; whoever needs the account reports that. */
export interface MysqlCredentials {
  user: string;
  password: string;
  /** The variable the password comes from, for error messages. */
  passwordVariable: string;
}

type PlatformSettings = ReturnType<typeof settingsFor>;

export function loadConfig(env: Env = resolveEnv()): PlatformConfig {
  const settings = settingsFor('platform', env);
  const { string, number, boolean, list, optional } = settings;
  return {
    temporal: temporalConfig(settings),
    mysql: {
      host: string('MYSQL_HOST'),
      port: number('MYSQL_PORT'),
      database: string('MYSQL_DATABASE'),
      accountHost: string('MYSQL_ACCOUNT_HOST'),
      admin: credentials(settings, 'ADMIN'),
      pipeline: credentials(settings, 'PIPELINE'),
      stream: credentials(settings, 'STREAM'),
      readonly: credentials(settings, 'READONLY'),
      ssl: boolean('MYSQL_SSL') ? { ca: pem(optional('MYSQL_SSL_CA_PATH')) } : null,
    },
    kafka: {
      brokers: list('KAFKA_BROKERS'),
      clientId: string('KAFKA_CLIENT_ID'),
      interactionsTopic: string('KAFKA_INTERACTIONS_TOPIC'),
      deadLetterTopic: string('KAFKA_DEAD_LETTER_TOPIC'),
      topicPartitions: number('KAFKA_TOPIC_PARTITIONS'),
      replicationFactor: number('KAFKA_REPLICATION_FACTOR'),
      minInsyncReplicas: number('KAFKA_MIN_INSYNC_REPLICAS'),
      ...kafkaSecurity(settings),
    },
    s3: {
      bucket: string('S3_BUCKET'),
      archiveBucket: string('S3_ARCHIVE_BUCKET'),
      endpoint: string('S3_ENDPOINT'),
      region: string('S3_REGION'),
      admin: s3Key(settings, 'S3_ADMIN_'),
      pipeline: s3Key(settings, 'S3_'),
      stream: s3Key(settings, 'S3_STREAM_'),
      readonly: s3Key(settings, 'S3_READONLY_'),
      forcePathStyle: boolean('S3_FORCE_PATH_STYLE'),
    },
    pets: {
      dogApiUrl: string('DOG_API_URL'),
      catApiUrl: string('CAT_API_URL'),
      catApiKey: string('CAT_API_KEY'),
      httpTimeoutMs: number('PET_API_TIMEOUT_MS'),
      maxImageBytes: number('MAX_IMAGE_BYTES'),
    },
    site: {
      port: number('WEB_PORT'),
      url: string('WEB_URL'),
      maxBodyBytes: number('WEB_MAX_BODY_BYTES'),
      maxEventsPerRequest: number('WEB_MAX_EVENTS_PER_REQUEST'),
      kafkaTimeoutMs: number('WEB_KAFKA_TIMEOUT_MS'),
      staleAfterSeconds: number('WEB_STALE_AFTER_SECONDS'),
      refreshMs: number('WEB_REFRESH_SECONDS') * 1000,
    },
    cloud: {
      terraformDir: string('TERRAFORM_DIR'),
      terraformVarFile: string('TERRAFORM_VAR_FILE'),
      ansiblePlaybook: string('ANSIBLE_PLAYBOOK'),
      ansibleInventory: string('ANSIBLE_INVENTORY'),
      stateDir: `${string('PETADOTA_DATA_DIR')}/cloud`,
    },
    tools: {
      temporalCliPath: string('TEMPORAL_CLI_PATH'),
      temporalTestServerPath: string('TEMPORAL_TEST_SERVER_PATH'),
      tctlPath: string('TCTL_PATH'),
      python: string('PETADOTA_PYTHON'),
    },
  };
}

/** The TEMPORAL_* variables Temporal's loader reads; it finds its default file from HOME. */
const TEMPORAL_LOADER_VARIABLES = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_TLS_SERVER_NAME',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
];

/**
 * Every declared variable is checked first (a malformed value is named, a TLS file is read), then
 * Temporal's loader builds the connection from them and from the profile of its TOML file. Only
 * declared variables reach it, so what configures Temporal is what docs/operations.md lists.
 */
function temporalConfig({ env, string, boolean, optional }: PlatformSettings): PlatformConfig['temporal'] {
  const given: Record<string, string> = {};
  for (const name of TEMPORAL_LOADER_VARIABLES) {
    // Parsed first: the loader itself takes any TEMPORAL_TLS other than 1 or true as false.
    const value = name === 'TEMPORAL_TLS' ? (env[name] ? String(boolean(name)) : undefined) : optional(name);
    if (value !== undefined && env[name]) given[name] = value;
  }
  for (const name of ['HOME', 'XDG_CONFIG_HOME']) if (env[name]) given[name] = env[name]!;
  const { connectionOptions, namespace } = loadClientConnectConfig({ overrideEnvVars: given });
  const address = connectionOptions.address ?? string('TEMPORAL_ADDRESS');
  const connection: TemporalConnectionOptions = { address };
  const tls = connectionOptions.tls;
  if (tls) {
    const custom: TemporalTls = {
      ...(tls !== true && tls.serverNameOverride && { serverNameOverride: tls.serverNameOverride }),
      ...(tls !== true &&
        tls.serverRootCACertificate && { serverRootCACertificate: Buffer.from(tls.serverRootCACertificate) }),
      ...(tls !== true &&
        tls.clientCertPair && {
          clientCertPair: {
            crt: Buffer.from(tls.clientCertPair.crt),
            key: Buffer.from(tls.clientCertPair.key),
          },
        }),
    };
    connection.tls = Object.keys(custom).length > 0 ? custom : true;
  }
  if (connectionOptions.apiKey && typeof connectionOptions.apiKey === 'string') {
    connection.apiKey = connectionOptions.apiKey;
    connection.tls ??= true;
  }
  return {
    address,
    namespace: namespace ?? string('TEMPORAL_NAMESPACE'),
    uiUrl: string('TEMPORAL_UI_URL'),
    connection,
  };
}

function kafkaSecurity({
  string,
  optional,
}: PlatformSettings): Pick<PlatformConfig['kafka'], 'securityProtocol' | 'sasl' | 'sslCa'> {
  const securityProtocol = string('KAFKA_SECURITY_PROTOCOL') as KafkaSecurityProtocol;
  // The declaration's rules refuse a SASL setting without SASL, a CA without TLS, and a missing
  // SASL setting with SASL: read every one, so that each is checked.
  const sslCa = pem(optional('KAFKA_SSL_CA_PATH'));
  const mechanism = optional('KAFKA_SASL_MECHANISM') as KafkaSaslMechanism | undefined;
  const username = optional('KAFKA_SASL_USERNAME');
  const password = optional('KAFKA_SASL_PASSWORD');
  return {
    securityProtocol,
    sasl: mechanism && username && password ? { mechanism, username, password } : null,
    sslCa: securityProtocol.endsWith('SSL') ? sslCa : null,
  };
}

/** The file of a pem-path variable, already checked to be a readable PEM file. */
function pem(path: string | undefined): Buffer | null {
  return path ? readFileSync(path) : null;
}

function credentials({ string }: PlatformSettings, role: string): MysqlCredentials {
  const passwordVariable = `MYSQL_${role}_PASSWORD`;
  return { user: string(`MYSQL_${role}_USER`), password: string(passwordVariable), passwordVariable };
}

/** prefix: S3_ (the pipeline's key, the name every S3 tool knows), S3_ADMIN_, S3_STREAM_… */
function s3Key({ string }: PlatformSettings, prefix: string): S3Key {
  return {
    accessKeyId: string(`${prefix}ACCESS_KEY_ID`),
    secretAccessKey: string(`${prefix}SECRET_ACCESS_KEY`),
  };
}
