// Public surface of the target's local object store.
export { LocalStore, type LocalStoreOptions } from './local-store.js';
export {
  localDisk,
  type BigIntStats,
  type Dirent,
  type Disk,
  type DiskFile,
  type FileStreamOptions,
  type Stats,
  type StatsFs,
} from './io/disk.js';
export type {
  AttributeReads,
  DirectoryEntries,
  FirstFile,
  SmallFile,
  SmallFileRead,
  StatBatch,
} from './io/fs-batch.js';
export type {
  SmallFileWrite,
  UnlinkCondition,
  UnlinkResult,
  WrittenFile,
} from './io/fs-batch-writes.js';
export type { CommittedFile, FileCommit } from './io/work-file.js';
export { ObjectBody } from './io/object-body.js';
export { ListingDirectories } from './io/sorted-walk.js';
export type {
  ByteRange,
  KeptHistory,
  ListedName,
  ListObjectsOptions,
  ObjectName,
  ObjectReadResult,
  RangeResolver,
  ReadOptions,
  PutObjectRequest,
  StorageOptions,
  StoredObject,
  VersionAttributes,
  WriteFinish,
  WritePrecondition,
  DeleteGuard,
  ObjectLockState,
  ListedReplica,
} from './store-types.js';
export type { BucketIncarnation, Mountpath, MountpathCapacity } from './mountpath/index.js';
export {
  ContentType,
  maxObjectNameBytes,
  type ContentTypeName,
  type StoredContentType,
} from './layout/index.js';
export type { CopiesReport, CopiesRequest } from './mirror-copies.js';
export { isReadable } from './mountpath/index.js';
export type { MountpathChange } from './volume.js';
export type { RelocateOptions } from './relocate.js';
export type { ColdOutcome, ColdReplica, ReplicaIdentity } from './remove-replicas.js';
export type {
  MetadataCacheStats,
  ContentCacheStats,
  ObjectChecksum,
  ObjectMetadata,
  ObjectRetention,
  RetentionMode,
} from './meta/index.js';
export { Tombstones, tombstonesFileName, type Tombstone } from './meta/index.js';
export type { NotInPlace, PreparedTailAppend, TailAppendRequest } from './in-place/tail-append.js';
export { NameLocks, type NameLockLimits } from './lock/index.js';
export type {
  CompleteRequest,
  PartWrite,
  StoredPart,
  UploadAttributes,
  UploadSummary,
} from './multipart/multipart-uploads.js';
export type { ManifestChunk, UploadChecksum } from './multipart/chunk-manifest.js';
export type { ListedVersion } from './versions/list-versions.js';
export type { DeleteOutcome } from './versions/versioned-delete.js';
export type { HistoryIdentity } from './versions/version-removal.js';
export { attributesOf } from './versions/version-import.js';
export * from './encryption/index.js';
