export { incidentWorkflow } from './incident.js';
export { cleanupWorkflow } from './cleanup.js';
export { tapPollWorkflow } from './tap-poller.js';
export { abusePollWorkflow } from './abuse-poller.js';
export { reportWorkflow } from './report.js';
export { reportedMessageWorkflow } from './reported-message.js';
