// Versioned cluster metadata: cluster map, bucket metadata, cluster config, and their persistence.
export * from './bucket-metadata.js';
export * from './bucket-name.js';
export * from './bucket-props.js';
export * from './cluster-config-metadata.js';
export * from './cluster-map.js';
export * from './etl-metadata.js';
export * from './lifecycle-props.js';
export * from './lifecycle-rules.js';
export * from './metadata-file.js';
export * from './metadata-store.js';
export * from './rebalance-metadata.js';
