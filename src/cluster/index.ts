// Cluster membership and metadata: cluster map, bucket metadata, config, metasync, primary ownership.
export * from './metadata/index.js';
export * from './membership/cluster-member.js';
export * from './membership/messages.js';
export * from './primary/cluster-owner.js';
export * from './sync/metasync.js';
