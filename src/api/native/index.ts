// The native REST API (AIStore-compatible): router, routes, and the ports roles implement.
export * from './list-encoding.js';
export * from './object-headers.js';
export * from './ports.js';
export * from './router.js';
export * from './json-response.js';
export * from './bucket-address.js';
export { refusedAction } from './route-policy.js';
export { jobWaitMaxMs, jobWaitMsOf } from './job-routes.js';
export { appendHandleNode, invalidAppendHandle } from './object-write-routes.js';
export type { BatchItem, BatchRequest } from './shards/get-batch-route.js';
