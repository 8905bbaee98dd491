// Job (xaction) framework: per-node registry, job lifecycle, kinds, object selection.
export * from './job.js';
export * from './job-environment.js';
export * from './job-kinds.js';
export * from './job-registry.js';
export * from './object-selection.js';
export * from './multi-object.js';
export * from './copy-message.js';
export * from './promote-message.js';
export * from './blob-message.js';
export * from './kinds/index.js';
export * from './share-journal.js';
export * from './job-interruptions.js';
