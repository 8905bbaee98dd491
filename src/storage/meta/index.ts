// Object metadata: the record, its versioned and checksummed codec, and its extended attribute.
export * from './object-metadata.js';
export * from './metadata-codec.js';
export * from './metadata-attribute.js';
