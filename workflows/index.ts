export { incidentWorkflow } from './incident.js';
export { cleanupWorkflow } from './cleanup.js';
export { tapPollWorkflow } from './tap-poller.js';
