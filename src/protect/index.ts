// Data protection: n-way mirroring, erasure coding, self-healing reads, and the jobs that build
// and check them (make-n-copies, ec-encode, scrub).
export * from './data-protection.js';
export {
  decodeErasureMetadata,
  isReplicated,
  metafileInRecord,
  restoredAttributes,
} from './ec/ec-metadata.js';
export { keptVersionOf } from './ec/version-pieces.js';
export type { SurvivingObject } from './ec/restore-object.js';
export {
  protectionJobDefinitions,
  protectionJobKinds,
  makeCopiesKind,
  encodeBucketKind,
  scrubKind,
} from './jobs/protection-jobs.js';
export { ScrubCounter } from './jobs/scrub-job.js';
export { reprotectOwned } from './jobs/reprotect-owned.js';
