// The API contract shared by server, SDK and CLI.
export * from './actions.js';
export * from './bucket.js';
export * from './bucket-metadata.js';
export * from './bucket-props.js';
export * from './cluster-map.js';
export * from './erasure-coding.js';
export * from './error-body.js';
export * from './headers.js';
export * from './jobs.js';
export * from './list-objects.js';
export * from './shards/get-batch.js';
export * from './shards/archive-message.js';
export * from './node-status.js';
export * from './object-props.js';
export * from './paths.js';
export * from './query.js';
export * from './rebalance-metadata.js';
