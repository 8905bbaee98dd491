// Per-object name locks (reader/writer, in-process, bounded).
export * from './name-locks.js';
