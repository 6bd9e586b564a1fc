// The local stack as a new user drives it, on a second stack of its own (its own data directory,
// every port moved by 300): what local.env says is what the stack serves, and the README's
// `eval "$(infra/local/stack env)"` leaves every later `up` working.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { parseEnvFile } from '../../platform/settings';
import { secondStackEnv } from '../kit/second-stack';

const dataDir = mkdtempSync(join(tmpdir(), 'petadota-stack-'));
const env = { ...secondStackEnv(dataDir, 300), PETADOTA_START_TIMEOUT: '60' };
const localEnv = (): Record<string, string> => parseEnvFile(readFileSync(join(dataDir, 'local.env'), 'utf8'));

function stack(args: string[], extra: Record<string, string> = {}) {
  const result = spawnSync('infra/local/stack', args, {
    env: { ...env, ...extra },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { ...result, output: `${result.stdout}${result.stderr}` };
}

after(() => {
  stack(['down']);
  rmSync(dataDir, { recursive: true, force: true });
});

test('a one-off override for another command never changes what local.env says the stack serves', () => {
  const up = stack(['up', 'temporal', 's3']);
  assert.equal(up.status, 0, up.output);
  const served = localEnv();
  assert.equal(served.TEMPORAL_ADDRESS, '127.0.0.1:7533');
  assert.equal(served.TEMPORAL_NAMESPACE, 'default');
  assert.equal(served.S3_ENDPOINT, 'http://127.0.0.1:7370');

  const again = stack(['up', 's3'], {
    TEMPORAL_NAMESPACE: 'x',
    TEMPORAL_PORT: '7999',
    S3_REGION: 'eu-west-1',
  });
  assert.equal(again.status, 0, again.output);
  assert.deepEqual(localEnv(), served);
  const exports = stack(['env'], { TEMPORAL_NAMESPACE: 'x' });
  assert.equal(exports.status, 0, exports.output);
  assert.match(exports.stdout, /^export TEMPORAL_NAMESPACE=default$/m);
  assert.match(exports.stdout, /^export S3_REGION=us-east-1$/m);
});

test('after eval "$(infra/local/stack env)", MariaDB starts again healthy', () => {
  const up = stack(['up', 'mariadb']);
  assert.equal(up.status, 0, up.output);
  const printed = stack(['env']);
  assert.equal(printed.status, 0, printed.output);
  // What `eval` would export: MYSQL_HOST among them, which the mariadb client honours.
  const exported = Object.fromEntries(
    [...printed.stdout.matchAll(/^export ([A-Z0-9_]+)=(.*)$/gm)].map(([, name, value]) => [name!, value!]),
  );
  assert.equal(exported.MYSQL_HOST, '127.0.0.1');
  const restarted = stack(['restart', 'mariadb'], exported);
  assert.equal(restarted.status, 0, restarted.output);
  assert.match(restarted.output, /mariadb: healthy at 127\.0\.0\.1:3606/);
});
