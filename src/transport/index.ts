// Intra-cluster transport.
export * from './intra-client.js';
export * from './intra-stream-client.js';
export * from './object-stream.js';
