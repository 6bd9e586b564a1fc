// What every test file shares: the configuration of the running stack and unique names,
// so test runs never collide with each other or with the platform's own data.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig } from '../../workers/config';

export const config = loadConfig();

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
