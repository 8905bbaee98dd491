// On-disk layout: the only module that builds or parses paths under a mountpath.
export * from './content-type.js';
export * from './object-name.js';
export * from './paths.js';
export * from './version-paths.js';
