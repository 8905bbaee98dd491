// Mountpaths: preparation at open, ownership, capacity and start-up cleanup.
export * from './capacity.js';
export * from './mountpath.js';
export * from './ownership-marker.js';
export * from './prepare.js';
export * from './startup-cleanup.js';
export * from './volume-record.js';
export * from './disk-faults.js';
export * from './health-check.js';
export * from './bucket-incarnation.js';
export * from './bucket-trees.js';
