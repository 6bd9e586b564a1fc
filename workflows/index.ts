// Every workflow the platform's workers run (the worker's `workflowsPath` points here).
export { provisionInfrastructure } from './provisioning/workflow';
