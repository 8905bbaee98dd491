// End-to-end integrity: streaming hashers and checksum types.
export * from './hasher.js';
export * from './hashing-stream.js';
export * from './checksum-type.js';
export * from './pooled-md5.js';
