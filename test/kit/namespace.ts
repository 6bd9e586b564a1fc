// A Temporal namespace of its own for tests that use the platform's fixed workflow IDs and task
// queues (images-loop on pet-adota-images): they never touch the loop of a running platform,
// and every run starts from a namespace where nothing ever ran.
import { setTimeout as delay } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import type { PlatformConfig } from '../../platform/config';
import { temporalConnectionOptions } from '../../platform/clients';

/** Registers `namespace` unless it exists, then waits until the frontend serves it. */
export async function createNamespace(config: PlatformConfig, namespace: string): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  try {
    const service = connection.workflowService;
    try {
      await service.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    } catch (error) {
      if (!/already exists/i.test((error as Error).message)) throw error;
    }
    // A new namespace reaches the frontend's cache a few seconds after it is registered.
    for (let attempt = 0; ; attempt++) {
      try {
        await service.listWorkflowExecutions({ namespace, pageSize: 1 });
        return;
      } catch (error) {
        if (attempt >= 60 || !/not found/i.test((error as Error).message)) throw error;
        await delay(500);
      }
    }
  } finally {
    await connection.close();
  }
}

/** Deletes the namespace and everything in it (the server removes its workflows in the background). */
export async function deleteNamespace(config: PlatformConfig, namespace: string): Promise<void> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  try {
    await connection.operatorService.deleteNamespace({ namespace });
  } finally {
    await connection.close();
  }
}
