// Configuration: node config (local) and cluster config (versioned, synced), typed and validated once.
export * from './node-config.js';
export * from './default-credentials.js';
export * from './cluster-config.js';
export * from './node-networks.js';
export * from './go-duration.js';
export * from './rate-limit.js';
export * from './sse-master-key.js';
