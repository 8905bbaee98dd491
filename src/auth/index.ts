// Identities, tokens and access checks (AIStore's AuthN model), shared by the AuthN service and
// every node.
export * from './access.js';
export * from './claims.js';
export * from './cluster-auth-state.js';
export * from './passwords.js';
export * from './redirect-proof.js';
export * from './required-access.js';
export * from './tokens.js';
export * from './token-cache.js';
export * from './s3-access.js';
