import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ConfigError, loadConfig } from '../../platform/config';
import { Producer } from '@confluentinc/kafka-javascript';
import {
  kafkaClientOptions,
  librdkafkaOptions,
  mysqlSslOptions,
  temporalConnectionOptions,
} from '../../platform/clients';

const dir = mkdtempSync(join(tmpdir(), 'petadota-tls-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function pem(name: string, label = 'CERTIFICATE'): string {
  const path = join(dir, name);
  writeFileSync(path, `-----BEGIN ${label}-----\n${name}\n-----END ${label}-----\n`);
  return path;
}

const ca = pem('ca.pem');
const clientCert = pem('client.pem');
const clientKey = pem('client.key', 'PRIVATE KEY');
const notPem = join(dir, 'ca.der');
writeFileSync(notPem, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
const missing = join(dir, 'missing.pem');

// No local.env: only what each test sets, on top of the defaults.
const load = (env: Record<string, string>) =>
  loadConfig({ PETADOTA_ENV_FILE: '/nonexistent/local.env', ...env });

test('the defaults stay plaintext: no tls, apiKey, ssl or sasl option at all', () => {
  const config = load({});
  assert.deepEqual(temporalConnectionOptions(config.temporal), { address: '127.0.0.1:7233' });
  assert.deepEqual(kafkaClientOptions(config.kafka), { brokers: ['127.0.0.1:9092'] });
  assert.deepEqual(mysqlSslOptions(config.mysql), {});
  assert.equal(config.kafka.securityProtocol, 'PLAINTEXT');
});

test('TEMPORAL_TLS=true is TLS with the system CAs', () => {
  assert.deepEqual(temporalConnectionOptions(load({ TEMPORAL_TLS: 'true' }).temporal), {
    address: '127.0.0.1:7233',
    tls: true,
  });
  assert.deepEqual(temporalConnectionOptions(load({ TEMPORAL_TLS: 'false' }).temporal), {
    address: '127.0.0.1:7233',
  });
});

test('a client certificate, a CA and a server name become mTLS options, and imply TLS', () => {
  const options = temporalConnectionOptions(
    load({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TLS_CLIENT_CERT_PATH: clientCert,
      TEMPORAL_TLS_CLIENT_KEY_PATH: clientKey,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: ca,
      TEMPORAL_TLS_SERVER_NAME: 'frontend.temporal.internal',
    }).temporal,
  );
  assert.equal(options.address, 'temporal.internal:7233');
  assert.ok(typeof options.tls === 'object');
  assert.equal(options.tls.serverNameOverride, 'frontend.temporal.internal');
  assert.match(String(options.tls.serverRootCACertificate), /ca\.pem/);
  assert.match(String(options.tls.clientCertPair?.crt), /client\.pem/);
  assert.match(String(options.tls.clientCertPair?.key), /PRIVATE KEY/);
  assert.equal(options.apiKey, undefined);
});

test('TEMPORAL_API_KEY implies TLS (Temporal Cloud) and is passed as apiKey', () => {
  const config = load({ TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233', TEMPORAL_API_KEY: 'key-123' });
  assert.deepEqual(temporalConnectionOptions(config.temporal), {
    address: 'ns.acct.tmprl.cloud:7233',
    tls: true,
    apiKey: 'key-123',
  });
});

test('each Kafka security protocol maps to kafkajs ssl and sasl options', () => {
  const brokers = { KAFKA_BROKERS: 'b1:9093,b2:9093' };
  const sasl = { KAFKA_SASL_USERNAME: 'user', KAFKA_SASL_PASSWORD: 'pa"ss' };
  assert.deepEqual(kafkaClientOptions(load({ ...brokers, KAFKA_SECURITY_PROTOCOL: 'SSL' }).kafka), {
    brokers: ['b1:9093', 'b2:9093'],
    ssl: true,
  });
  const ssl = kafkaClientOptions(
    load({ ...brokers, KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_PATH: ca }).kafka,
  );
  assert.ok(typeof ssl.ssl === 'object' && Array.isArray(ssl.ssl.ca));
  assert.match(String(ssl.ssl.ca[0]), /ca\.pem/);
  assert.deepEqual(
    kafkaClientOptions(
      load({ ...brokers, ...sasl, KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SASL_MECHANISM: 'PLAIN' })
        .kafka,
    ),
    { brokers: ['b1:9093', 'b2:9093'], sasl: { mechanism: 'plain', username: 'user', password: 'pa"ss' } },
  );
  for (const [mechanism, kafkajs] of [
    ['SCRAM-SHA-256', 'scram-sha-256'],
    ['SCRAM-SHA-512', 'scram-sha-512'],
  ] as const) {
    assert.deepEqual(
      kafkaClientOptions(
        load({ ...brokers, ...sasl, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: mechanism })
          .kafka,
      ),
      {
        brokers: ['b1:9093', 'b2:9093'],
        ssl: true,
        sasl: { mechanism: kafkajs, username: 'user', password: 'pa"ss' },
      },
    );
  }
});

test('MYSQL_SSL verifies the server certificate, against MYSQL_SSL_CA_PATH when set (which implies it)', () => {
  const host = { MYSQL_HOST: 'db.example.com' };
  assert.deepEqual(mysqlSslOptions(load({ ...host, MYSQL_SSL: 'true' }).mysql), {
    ssl: { rejectUnauthorized: true, verifyIdentity: true },
  });
  const withCa = mysqlSslOptions(load({ ...host, MYSQL_SSL_CA_PATH: ca }).mysql);
  assert.equal(withCa.ssl?.rejectUnauthorized, true);
  assert.equal(withCa.ssl?.verifyIdentity, true);
  assert.match(String(withCa.ssl?.ca), /ca\.pem/);
  // An IP address: the chain only (see mysqlSslOptions).
  assert.deepEqual(mysqlSslOptions(load({ MYSQL_HOST: '10.0.0.5', MYSQL_SSL: 'true' }).mysql), {
    ssl: { rejectUnauthorized: true, verifyIdentity: false },
  });
});

test('malformed secure-connection settings fail with a ConfigError naming the variable', () => {
  const sasl = { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN' };
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ TEMPORAL_TLS: 'maybe' }, 'TEMPORAL_TLS', /expected true or false/],
    [{ TEMPORAL_TLS_CLIENT_CERT_PATH: clientCert }, 'TEMPORAL_TLS_CLIENT_KEY_PATH', /set both/],
    [{ TEMPORAL_TLS_CLIENT_KEY_PATH: clientKey }, 'TEMPORAL_TLS_CLIENT_CERT_PATH', /set both/],
    [
      { TEMPORAL_TLS_SERVER_CA_CERT_PATH: missing },
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      /cannot read .*ENOENT/,
    ],
    [
      { TEMPORAL_TLS_CLIENT_CERT_PATH: clientCert, TEMPORAL_TLS_CLIENT_KEY_PATH: missing },
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /cannot read/,
    ],
    [{ TEMPORAL_TLS_SERVER_CA_CERT_PATH: notPem }, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', /is not a PEM file/],
    [
      { TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'key' },
      'TEMPORAL_TLS',
      /is false, but it is required by TEMPORAL_API_KEY$/,
    ],
    [{ KAFKA_SECURITY_PROTOCOL: 'TLS' }, 'KAFKA_SECURITY_PROTOCOL', /expected one of PLAINTEXT, SSL/],
    [{ KAFKA_SECURITY_PROTOCOL: 'sasl_ssl' }, 'KAFKA_SECURITY_PROTOCOL', /got 'sasl_ssl'/],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' },
      'KAFKA_SASL_MECHANISM',
      /is not set: KAFKA_SECURITY_PROTOCOL=SASL_SSL needs it$/,
    ],
    [{ ...sasl, KAFKA_SASL_MECHANISM: 'GSSAPI' }, 'KAFKA_SASL_MECHANISM', /got 'GSSAPI'/],
    [
      { ...sasl, KAFKA_SASL_PASSWORD: 'p' },
      'KAFKA_SASL_USERNAME',
      /is not set: KAFKA_SECURITY_PROTOCOL=SASL_SSL needs it$/,
    ],
    [{ ...sasl, KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_PASSWORD', /is not set/],
    [{ KAFKA_SASL_USERNAME: 'u' }, 'KAFKA_SASL_USERNAME', /not used with KAFKA_SECURITY_PROTOCOL=PLAINTEXT/],
    [
      { KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT', KAFKA_SSL_CA_PATH: ca },
      'KAFKA_SSL_CA_PATH',
      /not used with KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT/,
    ],
    [{ KAFKA_SSL_CA_PATH: ca }, 'KAFKA_SSL_CA_PATH', /not used with KAFKA_SECURITY_PROTOCOL=PLAINTEXT/],
    [{ KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_PATH: missing }, 'KAFKA_SSL_CA_PATH', /cannot read/],
    [{ MYSQL_SSL: 'on' }, 'MYSQL_SSL', /expected true or false/],
    [
      { MYSQL_SSL: 'false', MYSQL_SSL_CA_PATH: ca },
      'MYSQL_SSL',
      /is false, but it is required by MYSQL_SSL_CA_PATH$/,
    ],
    [{ MYSQL_SSL_CA_PATH: missing }, 'MYSQL_SSL_CA_PATH', /cannot read '.*missing\.pem' \(ENOENT\)/],
  ];
  for (const [env, variable, message] of cases) {
    assert.throws(
      () => load(env),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.variable === variable &&
        error.message.startsWith(`${variable}: `) &&
        message.test(error.message),
      JSON.stringify(env),
    );
  }
});

test('no secret ends up in an error message', () => {
  assert.throws(
    () => load({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'very-secret-key' }),
    (error: unknown) => error instanceof ConfigError && !error.message.includes('very-secret-key'),
  );
  assert.throws(
    () => load({ KAFKA_SASL_PASSWORD: 'very-secret-password' }),
    (error: unknown) => error instanceof ConfigError && !error.message.includes('very-secret-password'),
  );
});

test('each Kafka security protocol maps to librdkafka properties it accepts', () => {
  const brokers = { KAFKA_BROKERS: 'b1:9093,b2:9093' };
  const sasl = { KAFKA_SASL_USERNAME: 'user', KAFKA_SASL_PASSWORD: 'pa"ss' };
  const plain = librdkafkaOptions(load(brokers).kafka);
  assert.deepEqual(plain, { 'bootstrap.servers': 'b1:9093,b2:9093', 'security.protocol': 'plaintext' });
  const ssl = librdkafkaOptions(
    load({ ...brokers, KAFKA_SECURITY_PROTOCOL: 'SSL', KAFKA_SSL_CA_PATH: ca }).kafka,
  );
  assert.equal(ssl['security.protocol'], 'ssl');
  assert.equal(ssl['ssl.ca.pem'], readFileSync(ca, 'utf8'));
  const scram = librdkafkaOptions(
    load({ ...brokers, ...sasl, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512' })
      .kafka,
  );
  assert.deepEqual(scram, {
    'bootstrap.servers': 'b1:9093,b2:9093',
    'security.protocol': 'sasl_ssl',
    'sasl.mechanisms': 'SCRAM-SHA-512',
    'sasl.username': 'user',
    'sasl.password': 'pa"ss',
  });
  // librdkafka refuses a property or value it does not know when the client is made.
  for (const options of [plain, ssl, scram]) new Producer(options);
  const unknown = { ...plain, 'security.protocol': 'tls' } as unknown as typeof plain;
  assert.throws(() => new Producer(unknown), /Invalid value "tls"/);
});
