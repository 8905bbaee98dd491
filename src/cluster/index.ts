// Cluster membership and metadata: cluster map, bucket metadata, config, metasync, primary ownership.
export * from './election/index.js';
export * from './metadata/index.js';
export * from './membership/cluster-member.js';
export * from './membership/map-discovery.js';
export * from './membership/messages.js';
export * from './primary/cluster-owner.js';
export * from './primary/node-lifecycle.js';
export * from './sync/metasync.js';
