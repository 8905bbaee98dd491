// Storage I/O: atomic writes and commits, verified reads, quarantine, sorted walks and merges.
export * from './bounded-map.js';
export * from './commit.js';
export * from './disk.js';
export * from './directories.js';
export * from './file-sink.js';
export * from './merge-sorted.js';
export * from './quarantine.js';
export * from './sorted-walk.js';
export * from './storage-errors.js';
export * from './verified-read.js';
export * from './object-body.js';
export * from './fs-batch.js';
export * from './fs-batch-writes.js';
export * from './watched-disk.js';
export type { CommittedFile, FileCommit, FileTimes } from './work-file.js';
