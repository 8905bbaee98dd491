// Archives (shards): formats, reading files out of them, listing and writing them.
export * from './archive-format.js';
export * from './archive-io.js';
export type * from './archive-source.js';
export * from './entry-match.js';
export * from './shard-index.js';
