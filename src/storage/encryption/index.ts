// Encryption at rest of object bytes (SSE): the package format and the sealed per-object keys.
export * from './packages.js';
export * from './object-keys.js';
