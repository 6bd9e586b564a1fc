// The time-skipping test server, from the binary the local stack installs (no download).
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { config, quietTemporalLogs } from './platform';

export async function startTimeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  quietTemporalLogs();
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: config.tools.temporalTestServerPath } },
  });
}
