// Remote backends of remote buckets: the one interface and the adapters behind it.
export { RemoteMetadataKey } from './backend.js';
export type {
  Backend,
  RemoteListOptions,
  RemoteObject,
  RemotePage,
  RemotePutOptions,
  RemoteRead,
} from './backend.js';
export type {
  BackendCallKind,
  BackendThrottleStats,
  ThrottleCounts,
  ThrottleSeries,
} from './backend-throttle-stats.js';
export { Backends, defaultProfileName, isRemoteBucket, requireRemoteBucket } from './backends.js';
export type { AwsProfile, BackendSettings } from './backends.js';
export {
  listRemotePage,
  listsCachedOnly,
  remotePageLimit,
  type LocalListing,
} from './remote-listing.js';
export {
  attachedClusters,
  canonicalNamespace,
  findRemoteCluster,
  isRemoteAisBucket,
  type RemoteCluster,
} from './remote-clusters.js';
export { checkOriginalUrl, httpObjectUrl, originOfObjectUrl } from './http-object-url.js';
