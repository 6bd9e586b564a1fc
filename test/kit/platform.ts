// What every test file shares: the configuration of the running stack and unique names,
// so test runs never collide with each other or with the platform's own data.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, resolveEnv } from '../../platform/config';
import { settingsFor } from '../../platform/settings';

/** The kit's own settings (the reader `tests` of platform/settings.json). */
export const testSettings = settingsFor('tests', resolveEnv());

/**
 * The environment of the tests: the running stack's, with Temporal's namespace the tests' own
 * (PETADOTA_TEST_NAMESPACE), so that no test run shows in the platform's namespace.
 */
export function testEnv(): Record<string, string> {
  return {
    ...(process.env as Record<string, string>),
    TEMPORAL_NAMESPACE: testSettings.string('PETADOTA_TEST_NAMESPACE'),
  };
}

export const config = loadConfig(resolveEnv(testEnv()));

let sequence = 0;
/** A name no other test run uses: lower case, digits and dashes (valid for buckets and topics). */
export function uniqueName(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${sequence}`;
}

let runtimeInstalled = false;
/** Workers log at WARN in tests; install once per process, before the first worker. */
export function quietTemporalLogs(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  runtimeInstalled = true;
}

export const smokeWorkflowsPath = require.resolve('../fixtures/workflows/smoke');
