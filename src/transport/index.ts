// Intra-cluster transport.
export * from './intra-client.js';
