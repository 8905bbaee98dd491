// Object metadata: the record, its versioned and checksummed codec, its extended attribute, and the
// cache of decoded records.
export * from './object-metadata.js';
export * from './metadata-codec.js';
export * from './metadata-attribute.js';
export * from './metadata-cache.js';
export * from './tombstones.js';
export * from './content-cache.js';
export * from './content-checks.js';
