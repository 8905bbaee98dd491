// Public surface of the target's local object store.
export { LocalStore, type LocalStoreOptions } from './local-store.js';
export type {
  ByteRange,
  ListedName,
  ListObjectsOptions,
  ObjectReadResult,
  PutObjectRequest,
  StorageOptions,
  StoredObject,
} from './store-types.js';
export type { Mountpath, MountpathCapacity } from './mountpath/index.js';
export { isReadable } from './mountpath/index.js';
export type { MountpathChange } from './volume.js';
export type { RelocateOptions } from './relocate.js';
export type { ReplicaIdentity } from './remove-replicas.js';
export { ContentType, type ContentTypeName } from './layout/index.js';
export type { ObjectChecksum, ObjectMetadata } from './meta/index.js';
export { NameLocks, type NameLockLimits } from './lock/index.js';
