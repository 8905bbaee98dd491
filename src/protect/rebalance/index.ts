// Rebalance (objects move to their new owner target after a cluster-map change) and resilver
// (objects move to their new home mountpath after a mountpath change).
export * from './neighbor-lookup.js';
export * from './object-transfer.js';
export * from './rebalance-environment.js';
export * from './rebalance-job.js';
export * from './rebalance-manager.js';
export * from './rebalance-marker.js';
export * from './resilver-job.js';
export * from './transfer-headers.js';
export * from './deleted-while-away.js';
