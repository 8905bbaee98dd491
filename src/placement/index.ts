// HRW placement: pure functions, no I/O; shared by nodes and the SDK so they agree.
export * from './digest.js';
export * from './hrw.js';
export * from './placement-table.js';
