// URL paths of the native API (AIStore-compatible): `/v1/<resource>[/<bucket>[/<object>]]`.

export const apiVersion = 'v1';

/** First path segment after `/v1/`. */
export const Resource = {
  buckets: 'buckets',
  objects: 'objects',
  cluster: 'cluster',
  daemon: 'daemon',
  health: 'health',
  metasync: 'metasync',
  reverse: 'reverse',
  /** Intra-cluster: a target's share of jobs. */
  jobs: 'jobs',
  /** Intra-cluster: EC slices, replicas and metafiles held by a target. */
  erasureCoding: 'ec',
  /** Intra-cluster: primary election between gateways (`/v1/vote/init|proxy`). */
  vote: 'vote',
  /** Intra-cluster: a node's full metadata bundle (a new primary gathers the newest). */
  metadata: 'metadata',
  /** Intra-cluster: objects moving between targets, and rebalance progress. */
  rebalance: 'rebalance',
  /** Intra-cluster: an object a single-object copy writes at its destination's owner. */
  copy: 'copy',
} as const;
export type ResourceName = (typeof Resource)[keyof typeof Resource];

/** Sub-paths under `/v1/cluster/` used between nodes. */
export const ClusterPath = {
  autoRegister: 'autoreg',
  keepalive: 'keepalive',
  joinByAdmin: 'join-by-admin',
} as const;

/** Builds `/v1/<resource>/<segments...>` with each segment URL-encoded (slashes in object names kept). */
export function apiPath(resource: ResourceName, ...segments: string[]): string {
  const encoded = segments.map((segment) => segment.split('/').map(encodeURIComponent).join('/'));
  return ['', apiVersion, resource, ...encoded].join('/');
}
