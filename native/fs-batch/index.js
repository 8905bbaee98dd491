// Loads the compiled addon (built by `node-gyp rebuild` when npm installs this package).
import { createRequire } from 'node:module';

const addon = createRequire(import.meta.url)('./build/Release/fs_batch.node');

// The C sources' INTERFACE_VERSION (fs-batch.c): a build of older sources (npm ci not run again
// after pulling) would fail every call it no longer matches, so it is refused here, at load.
const interfaceVersion = 7;
if (addon.interfaceVersion !== interfaceVersion) {
  throw new Error(
    `cairn-fs-batch: the compiled addon (build/Release/fs_batch.node) has interface ` +
      `${addon.interfaceVersion ?? 1}, this code needs ${interfaceVersion}: rebuild it ` +
      '(npm ci, or npm rebuild cairn-fs-batch)',
  );
}

export const statBatch = addon.statBatch;
export const readDirectory = addon.readDirectory;
export const unlinkFiles = addon.unlinkFiles;
export const removeDirectories = addon.removeDirectories;
export const syncDirectories = addon.syncDirectories;
export const readFiles = addon.readFiles;
export const writeFile = addon.writeFile;
export const writeFiles = addon.writeFiles;
export const commitFile = addon.commitFile;
export const createFile = addon.createFile;
export const md5Create = addon.md5Create;
export const md5Update = addon.md5Update;
export const md5Digest = addon.md5Digest;
