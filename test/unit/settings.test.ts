// The one declaration of every setting (platform/settings.json) is read by two engines: TypeScript
// (platform/settings.ts) for the worker, the CLI and the tests, and Python
// (platform/python/petadota_platform) for the Spark job, the Airflow bridge and the local stack.
// For every variable, with values of every shape its type can meet, both must give the same value
// or the same error; and the files generated from the declaration must be the committed ones.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  ConfigError,
  readSetting,
  REPO_ROOT,
  resolveEnv,
  type Setting,
  SETTINGS,
  type SettingValue,
} from '../../platform/settings';

const dir = mkdtempSync(join(tmpdir(), 'petadota-settings-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = join(dir, 'ca.pem');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const der = join(dir, 'ca.der');
writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a]));

/** Values of every shape a variable of each type can be given, good and bad. */
const SAMPLES: Record<string, string[]> = {
  string: ['x', 'with space', "it's", 'ünïcode'],
  path: ['/tmp/petadota', 'relative/dir', '~/not-expanded'],
  integer: ['0', '1', '3', '90', '3600', '3601', '-1', '1e5', 'four', ' 3', '3.0', '99999999999999999'],
  port: ['0', '1', '80', '65535', '65536', '-80', 'http', '08080'],
  seconds: ['0', '0.05', '0.1', '2', '2.5', '120', '-1', 'soon', '1e3', 'inf', '.5', '5.'],
  boolean: ['true', 'TRUE', '1', 'yes', 'false', '0', 'No', 'maybe', 'on', 'off'],
  url: [
    'http://a',
    'https://a.b/c/',
    'http://host:8080/path?q=1#x',
    'ftp://x',
    'http://',
    'http://a b',
    'https://x/\u2028',
    'https://dog.ceo/api///',
  ],
  'host-port': [
    'a:1',
    '127.0.0.1:7233',
    '[::1]:7233',
    'a',
    'a:0',
    'a:65536',
    'a b:1',
    'a:1:2',
    'ns.acct.tmprl.cloud:7233',
  ],
  'host-port-list': ['a:1', 'a:1, b:2', ' , ', 'a:1,b', 'a:1,,b:2', 'a:1,'],
  identifier: ['Pet_Adota', 'bad-name', 'a'.repeat(64), 'a'.repeat(65), 'x;DROP'],
  topic: ['pet-adota-interacoes', '.', '..', 'a/b', 'a'.repeat(249), 'a'.repeat(250)],
  bucket: ['pet-adota-imagens', 'Bad', 'ab', '1.2.3.4', 'a..b', '-ab', 'a'.repeat(63), 'a'.repeat(64)],
  memory: ['512m', '2G', '768m', 'lots', '512', '1.5g'],
  'pem-path': [pem, der, join(dir, 'missing.pem')],
};

interface Case {
  name: string;
  env: Record<string, string>;
}

// No local.env: only what each case sets.
const base = { PETADOTA_ENV_FILE: join(dir, 'no-local.env') };

function casesFor(declared: Setting): Case[] {
  const { name } = declared;
  const samples = [...(SAMPLES[declared.type] ?? []), ...(declared.choices ?? [])];
  if (declared.choices) samples.push(declared.choices[0]!.toLowerCase(), 'other');
  const cases: Case[] = [
    { name, env: { ...base } },
    ...samples.map((value) => ({ name, env: { ...base, [name]: value } })),
  ];
  for (const rule of [declared.used_when, declared.required_when]) {
    if (!rule) continue;
    const [condition, values] = Object.entries(rule)[0]!;
    for (const value of values) {
      cases.push({ name, env: { ...base, [condition]: value } });
      cases.push({ name, env: { ...base, [condition]: value, [name]: samples[0]! } });
    }
  }
  for (const implier of declared.implied_by ?? []) {
    cases.push({ name, env: { ...base, [implier]: pem } });
    cases.push({ name, env: { ...base, [implier]: pem, [name]: 'false' } });
    cases.push({ name, env: { ...base, [implier]: pem, [name]: 'true' } });
  }
  if (declared.together_with) {
    cases.push({ name, env: { ...base, [name]: pem, [declared.together_with]: pem } });
  }
  return cases;
}

type Outcome = { value: SettingValue | null } | { error: { variable: string; message: string } };

function typescriptOutcome({ name, env }: Case): Outcome {
  try {
    return { value: readSetting(resolveEnv(env), name) ?? null };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return { error: { variable: error.variable, message: error.message } };
  }
}

function python(args: string[], input?: string): string {
  return execFileSync('python3', ['-m', 'petadota_platform', ...args], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: join(REPO_ROOT, 'platform', 'python') },
    ...(input !== undefined && { input }),
  });
}

test('every variable gets the same value, or the same error, from TypeScript and Python', () => {
  const cases = [...SETTINGS.values()].flatMap(casesFor);
  const fromPython = JSON.parse(python(['evaluate'], JSON.stringify(cases))) as Outcome[];
  assert.equal(fromPython.length, cases.length);
  let errors = 0;
  cases.forEach((testCase, index) => {
    const outcome = typescriptOutcome(testCase);
    if ('error' in outcome) errors += 1;
    assert.deepEqual(fromPython[index], outcome, `${testCase.name} with ${JSON.stringify(testCase.env)}`);
  });
  // The samples reach both sides of every type: good values and refusals.
  assert.ok(errors > 100 && errors < cases.length - 100, `${errors} errors in ${cases.length} cases`);
});

test('a secret never appears in an error, and an error always names its variable first', () => {
  const outcome = typescriptOutcome({
    name: 'TEMPORAL_TLS',
    env: { ...base, TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'very-secret' },
  });
  assert.deepEqual(outcome, {
    error: {
      variable: 'TEMPORAL_TLS',
      message: 'TEMPORAL_TLS: is false, but it is required by TEMPORAL_API_KEY',
    },
  });
});

test('the defaults are the local stack on loopback, built from other variables where they say so', () => {
  const env = { ...base, XDG_DATA_HOME: '/xdg', PETADOTA_CACHE_DIR: '/cache' };
  assert.equal(readSetting(env, 'PETADOTA_DATA_DIR'), '/xdg/petadota');
  assert.equal(readSetting(env, 'SPARK_CHECKPOINT_DIR'), '/xdg/petadota/spark/checkpoints');
  assert.equal(readSetting(env, 'TCTL_PATH'), '/cache/bin/tctl');
  assert.equal(readSetting(env, 'TERRAFORM_DIR'), join(REPO_ROOT, 'infra', 'terraform'));
  assert.deepEqual(readSetting(env, 'KAFKA_BROKERS'), ['127.0.0.1:9092']);
  assert.equal(readSetting(env, 'TEMPORAL_API_KEY'), undefined);
});

test('.env.example and the configuration table of docs/operations.md are generated from the declaration', () => {
  assert.equal(
    readFileSync(join(REPO_ROOT, '.env.example'), 'utf8'),
    python(['env-example']),
    'run make settings-docs',
  );
  const operations = readFileSync(join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
  const table = /<!-- settings:begin[^>]*-->\n([\s\S]*?)<!-- settings:end -->/.exec(operations)?.[1];
  assert.equal(table, python(['docs-table']), 'run make settings-docs');
});
