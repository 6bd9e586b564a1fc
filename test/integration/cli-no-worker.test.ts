// The start-and-wait commands of bin/petadota with no worker on their task queue (a namespace of
// their own where none polls): after a few seconds they say which task queue and namespace have no
// poller and how to start a worker, and exit 4; --wait-for-worker keeps waiting, and then Ctrl-C
// or SIGTERM still ends the command at once, reporting the cancellation it could not deliver.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../platform/config';
import { isolatedEnv } from '../kit/isolated';
import { createNamespace, deleteNamespace } from '../kit/namespace';
import { uniqueName } from '../kit/platform';

const namespace = uniqueName('it-no-worker');
const env = isolatedEnv({ TEMPORAL_NAMESPACE: namespace });
const config = loadConfig(env);

before(() => createNamespace(config, namespace));
after(() => deleteNamespace(config, namespace));

async function petadota(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('bin/petadota', args, { env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout: string; stderr: string; killed?: boolean };
    assert.ok(!failed.killed, `bin/petadota ${args.join(' ')} did not end: it waits for ever`);
    return { code: failed.code ?? -1, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const noWorker = (queue: string): RegExp =>
  new RegExp(
    `^no worker is polling task queue ${queue} in namespace ${namespace} at 127\\.0\\.0\\.1:\\d+: .* stays queued until one polls \\(Temporal has seen no poller on it\\)\\.\\nStart one: bin/petadota worker`,
    'm',
  );

test('provision, images cycle and simulate say which queue has no worker, and exit 4', async () => {
  const provisioned = await petadota('provision', '--environment', 'it-no-worker');
  assert.equal(provisioned.code, 4, provisioned.stderr);
  assert.match(provisioned.stderr, noWorker('pet-adota-provisioning'));
  assert.match(provisioned.stderr, /--wait-for-worker/);

  const cycle = await petadota('images', 'cycle', '--dogs', '1', '--cats', '0');
  assert.equal(cycle.code, 4, cycle.stderr);
  assert.match(cycle.stderr, noWorker('pet-adota-images'));

  const simulation = await petadota('simulate', '--rate', '1', '--duration', '5');
  assert.equal(simulation.code, 4, simulation.stderr);
  assert.match(simulation.stderr, noWorker('pet-adota-trends'));
});

test('a query with no worker to answer it fails at once, naming the queue', async () => {
  const started = await petadota('images', 'start');
  assert.equal(started.code, 0, started.stderr);
  const status = await petadota('images', 'status');
  assert.equal(status.code, 4, status.stderr);
  assert.match(
    status.stderr,
    /^no worker is polling task queue pet-adota-images in namespace .*: a query of images-loop needs one to answer/m,
  );
});

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} ends a waiting simulate at once and reports the cancellation no worker confirmed`, async () => {
    const child = spawn('bin/petadota', ['simulate', '--rate', '1', '--duration', '0', '--wait-for-worker'], {
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    for (let waited = 0; !stdout.includes('Ctrl-C stops it'); waited += 100) {
      assert.ok(waited < 60_000, `simulate did not start: ${stdout}${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // Past the no-worker grace: without --wait-for-worker it would have given up by now.
    await new Promise((resolve) => setTimeout(resolve, 6000));
    assert.equal(child.exitCode, null, stderr);
    child.kill(signal);
    const timeout = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const exitCode = await exited;
    clearTimeout(timeout);
    assert.equal(exitCode, code, `${stdout}${stderr}`);
    assert.match(stdout, new RegExp(`${signal}: cancelling simulate-interactions:`));
    assert.match(
      stderr,
      /the cancellation of simulate-interactions:\S+ is requested in Temporal, but no worker confirmed it within 10 s/,
    );
  });
}
