// Intra-cluster transport.
export * from './intra-client.js';
export * from './object-stream.js';
