// Every workflow the platform's workers run (the worker's `workflowsPath` points here).
export { imageCycle } from './images/cycle';
export { imageLoop } from './images/loop';
export { provisionInfrastructure } from './provisioning/workflow';
export { trendReportLoop } from './trends/report-loop';
export { recountTrends } from './trends/recount';
export { simulateInteractions } from './trends/simulate';
