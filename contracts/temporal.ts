// The platform's Temporal contracts, from the one declaration every language reads
// (temporal.json): task queues, workflow types, workflow-ID formats, query and signal names.
import declaration from './temporal.json';

export const TEMPORAL_CONTRACTS = declaration;

/** Fills a workflow-ID format: `provision:{environment}` with `{ environment: 'local' }`. */
export function formatWorkflowId(format: string, values: Record<string, string>): string {
  return format.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`workflow ID ${format}: no value for {${name}}`);
    return value;
  });
}
