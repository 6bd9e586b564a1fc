import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig, localEnvFilePath, resolveEnv } from '../../platform/config';

const emptyFile = { PETADOTA_ENV_FILE: '/nonexistent/local.env' };

test('defaults point at the local stack on loopback', () => {
  const config = loadConfig(resolveEnv({ ...emptyFile, PETADOTA_CACHE_DIR: '/cache' }));
  assert.equal(config.temporal.address, '127.0.0.1:7233');
  assert.equal(config.temporal.namespace, 'default');
  assert.equal(config.mysql.port, 3306);
  assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  assert.equal(config.s3.endpoint, 'http://127.0.0.1:7070');
  assert.equal(config.s3.forcePathStyle, true);
  assert.equal(config.tools.tctlPath, '/cache/bin/tctl');
  assert.equal(config.tools.temporalTestServerPath, '/cache/venv/bin/temporal-test-server');
});

test('the stack file is read, and real environment variables win over it', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'petadota-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'local.env');
  writeFileSync(
    file,
    '# written by the stack\nMYSQL_PORT=3307\nKAFKA_BROKERS=127.0.0.1:19092\nS3_ENDPOINT=http://127.0.0.1:17070/\n',
  );

  const config = loadConfig(resolveEnv({ PETADOTA_ENV_FILE: file, KAFKA_BROKERS: 'a:1, b:2' }));

  assert.equal(config.mysql.port, 3307);
  assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
  assert.equal(config.s3.endpoint, 'http://127.0.0.1:17070');
});

test('the stack file lives in the data directory unless PETADOTA_ENV_FILE says otherwise', () => {
  assert.equal(localEnvFilePath({ PETADOTA_DATA_DIR: '/data' }), '/data/local.env');
  assert.equal(localEnvFilePath({ XDG_DATA_HOME: '/xdg' }), '/xdg/petadota/local.env');
  assert.equal(localEnvFilePath({ PETADOTA_ENV_FILE: '/x.env', PETADOTA_DATA_DIR: '/data' }), '/x.env');
});

test('malformed values fail with a ConfigError naming the variable', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['MYSQL_PORT', 'three', /MYSQL_PORT: expected a port number/],
    ['MYSQL_PORT', '70000', /MYSQL_PORT: expected a port number/],
    ['TEMPORAL_ADDRESS', 'localhost', /TEMPORAL_ADDRESS: expected host:port/],
    [
      'KAFKA_BROKERS',
      '127.0.0.1:9092,broker-without-port',
      /KAFKA_BROKERS: expected host:port, got 'broker-without-port'/,
    ],
    ['S3_ENDPOINT', 'ftp://bucket', /S3_ENDPOINT: expected an http\(s\) URL/],
    ['S3_FORCE_PATH_STYLE', 'maybe', /S3_FORCE_PATH_STYLE: expected true or false/],
  ];
  for (const [variable, value, message] of cases) {
    assert.throws(
      () => loadConfig(resolveEnv({ ...emptyFile, [variable]: value })),
      (error: unknown) =>
        error instanceof ConfigError && error.variable === variable && message.test(error.message),
      `${variable}=${value}`,
    );
  }
});
