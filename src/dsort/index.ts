// dSort: distributed resharding (extract records on every target, sort their metadata on a
// gateway, build the output shards on their owners).
export * from './coordinator.js';
export type * from './dsort-environment.js';
export { dsortJobKind } from './dsort-job.js';
export * from './request-spec.js';
export * from './target-dsort.js';
