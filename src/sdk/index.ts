// Cairn SDK: a TypeScript client for the AIStore-compatible native REST API (the package main).
export { Client, type ByteRange, type ObjectReadResult } from './client.js';
export { EtlClient, type EtlInitSpec } from './etl/etl-client.js';
export {
  AuthnClient,
  type AuthnClientTls,
  type AuthnRole,
  type AuthnS3Key,
  type AuthnUser,
} from './authn/authn-client.js';
export { ApiError, TransportError, isConnectionError, parseErrorBody } from './errors.js';
export type { ErasureCodingProps, ObjectProps } from './object-props.js';
export { nodePublicUrl, isOutOfService, PlacementMap } from './cluster-map.js';
export type { ClientOptions } from './options.js';
export type { BlobGetOptions } from './download/blob-download.js';
export { DsortClient, type DsortWaitOptions } from './shards/dsort-client.js';
export {
  DownloadClient,
  type DownloadOptions,
  type DownloadWaitOptions,
} from './download/download-client.js';
export {
  JobsClient,
  type BucketSummaryProgress,
  type JobSelector,
  type SummaryWaitOptions,
  type WaitOptions,
} from './jobs-client.js';
export {
  ClusterClient,
  type LogSeverity,
  type MountpathAction,
  type RemoveNodeOptions,
} from './cluster-client.js';
export type { ObjectBody } from './request-body.js';
export type {
  ArchiveMatchMode,
  ArchiveReadResult,
  ArchiveSelection,
  ArchiveWriteMode,
} from './shards/shard-objects.js';
export type { BatchResult } from './shards/get-batch.js';
export { objectUnameOf, type ObjectAddress } from './object-writes.js';
// The wire contract (bucket JSON, props, list pages, cluster map types, URI parsing), so that SDK
// users need one import.
export * from '../wire/index.js';
