// Intra-cluster transport.
export * from './intra-client.js';
export * from './intra-stream-client.js';
export * from './object-stream.js';
export * from './frame-stream-client.js';
export * from './frame-stream-server.js';
