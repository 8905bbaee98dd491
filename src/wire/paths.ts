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
  /** GetBatch (`/v1/ml/moss`). */
  ml: 'ml',
  /** Intra-cluster: a GetBatch's items held by a target other than the designated one. */
  batchParts: 'batch-parts',
  /** ETL control API, and the object endpoint transformers use (`/v1/etl/_object/...`). */
  etl: 'etl',
  /** The downloader (`/v1/download`): gateways' API, and each target's share on its intra port. */
  download: 'download',
  /** dSort (`/v1/sort`, AIStore's name). */
  sort: 'sort',
  /** Intra-cluster: a target's share of a dSort job, and its extracted records. */
  dsort: 'dsort',
  /** AuthN: revoked tokens (AIStore's `DELETE /v1/tokens`) and S3 keys, from the AuthN service. */
  tokens: 'tokens',
} as const;
export type ResourceName = (typeof Resource)[keyof typeof Resource];

/** Sub-paths under `/v1/cluster/` used between nodes. */
export const ClusterPath = {
  autoRegister: 'autoreg',
  keepalive: 'keepalive',
  joinByAdmin: 'join-by-admin',
  /** `PUT /v1/cluster/attach|detach?what=remote`: remote AIS clusters. */
  attach: 'attach',
  detach: 'detach',
  /** `PUT /v1/cluster/load-x509` (every node), `PUT /v1/daemon/load-x509` (this node). */
  loadX509: 'load-x509',
} as const;

/** True for a path of the native API (`/v1` and below); every other path is the S3 API's. */
export function isNativeApiPath(path: string): boolean {
  return path === `/${apiVersion}` || path.startsWith(`/${apiVersion}/`);
}

/** Builds `/v1/<resource>/<segments...>` with each segment URL-encoded (slashes in object names kept). */
export function apiPath(resource: ResourceName, ...segments: string[]): string {
  const encoded = segments.map((segment) => segment.split('/').map(encodeURIComponent).join('/'));
  return ['', apiVersion, resource, ...encoded].join('/');
}

/**
 * The first `.` or `..` segment of a slash-separated name (or path), if any. URL handling resolves
 * such segments away (WHATWG URL, undici and most HTTP clients turn `b/../etc` into `etc`, even
 * when the dots are percent-encoded), so a name with one cannot travel in a URL path unchanged.
 */
export function dotSegmentIn(name: string): '.' | '..' | undefined {
  for (const segment of name.split('/')) {
    const dots = /^(?:\.|%2e){1,2}$/i.test(segment) ? segment.replace(/%2e/gi, '.') : '';
    if (dots === '.' || dots === '..') return dots;
  }
  return undefined;
}
