// Shared protocol plumbing: server bootstrap, request context, bodies, ranges, error responses.
export * from './body.js';
export * from './error-response.js';
export * from './http-server.js';
export * from './range.js';
export * from './request-context.js';
export * from './request-metrics.js';
export * from './request-stats.js';
export * from './caseless-fields.js';
