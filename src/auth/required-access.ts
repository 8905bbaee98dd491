// Which access bit a native API request needs, and on which bucket (AIStore's checks, one table).
// Bucket and object actions come from the action message (`{"action": ...}`) when the request has
// one; an action not listed here needs admin, so a new action is never open by accident.
import { Access, accessReadWrite } from './access.js';
import type { BucketIdentity } from './claims.js';

export type AccessNeed =
  /** Open to anyone: health, the cluster map clients route with, node joins. */
  { kind: 'open' } | { kind: 'access'; access: number; bucket?: BucketIdentity };

export interface NativeRequestShape {
  method: string;
  /** Path segments after `/v1/`. */
  segments: readonly string[];
  query: URLSearchParams;
  /** The action of the body's action message, if any. */
  action?: string | undefined;
  /** The bucket a download's start body names (its destination). */
  downloadBucket?: BucketIdentity | undefined;
}

/** Bucket actions (POST, PUT, PATCH, DELETE /v1/buckets/<b>) and what each needs. */
const bucketActions: Record<string, number> = {
  'create-bck': Access.createBucket,
  'move-bck': Access.moveBucket,
  'copy-bck': Access.get | Access.objList,
  'etl-bck': Access.get | Access.objList,
  'copy-listrange': Access.get | Access.objList,
  'etl-listrange': Access.get | Access.objList,
  'prefetch-listrange': Access.get,
  'make-n-copies': Access.patch,
  'ec-encode': Access.patch,
  rechunk: Access.patch,
  'create-inventory': Access.objList,
  'destroy-inventory': Access.patch,
  archive: Access.get | Access.put,
  'set-bprops': Access.patch,
  'reset-bprops': Access.patch,
  'destroy-bck': Access.destroyBucket,
  'evict-remote-bck': Access.objDelete,
  'delete-listrange': Access.objDelete,
  'evict-listrange': Access.objDelete,
  list: Access.objList,
  'summary-bck': Access.objList,
};

/** Object actions (POST /v1/objects/<b>/<o> and friends). */
const objectActions: Record<string, number> = {
  'rename-obj': Access.objMove,
  promote: Access.promote,
  'blob-download': Access.put,
  'evict-obj': Access.objDelete,
  'check-lock': Access.objHead,
};

/** The cluster-map query every client makes to route requests; it holds no user data. */
const openDaemonQueries = new Set(['smap']);

export function requiredAccess(request: NativeRequestShape): AccessNeed {
  const [resource = '', ...rest] = request.segments;
  const { method } = request;
  switch (resource) {
    case 'health':
      return { kind: 'open' };
    case 'objects':
      return objectNeed(request, rest);
    case 'buckets':
      return bucketNeed(request, rest);
    case 'daemon':
    case 'cluster':
      return clusterNeed(request, resource, rest);
    case 'ml':
      return need(Access.get, bucketOf(request, rest[1]));
    case 'tokens':
    case 'reverse':
      return need(Access.admin);
    case 'download':
      // AIStore (`ais/prxdl.go` validateDownload): read-write access to the destination bucket.
      if (method === 'POST') return need(accessReadWrite, request.downloadBucket);
      return need(method === 'GET' ? Access.showCluster : Access.admin);
    default:
      // ETL, dSort and anything else: reading is showing the cluster, changing it is admin's.
      return need(method === 'GET' || method === 'HEAD' ? Access.showCluster : Access.admin);
  }
}

function need(access: number, bucket?: BucketIdentity): AccessNeed {
  return bucket === undefined ? { kind: 'access', access } : { kind: 'access', access, bucket };
}

function objectNeed(request: NativeRequestShape, rest: readonly string[]): AccessNeed {
  const bucket = bucketOf(request, rest[0]);
  switch (request.method) {
    case 'GET':
      return need(Access.get, bucket);
    case 'HEAD':
      return need(Access.objHead, bucket);
    case 'PUT':
      return need(request.query.has('append_type') ? Access.append : Access.put, bucket);
    case 'DELETE':
      return need(Access.objDelete, bucket);
    default:
      return need(actionAccess(objectActions, request.action), bucket);
  }
}

function bucketNeed(request: NativeRequestShape, rest: readonly string[]): AccessNeed {
  const bucket = bucketOf(request, rest[0]);
  if (bucket === undefined) {
    // `/v1/buckets`: list buckets, or create one named in the body (AIStore's old form).
    return need(request.method === 'GET' ? Access.listBuckets : Access.admin);
  }
  switch (request.method) {
    case 'HEAD':
      return need(Access.bckHead, bucket);
    case 'GET':
      return need(Access.objList, bucket);
    default: {
      const access = actionAccess(bucketActions, request.action);
      // Creating is a cluster-level right: the bucket does not exist yet to carry an ACL.
      return access === Access.createBucket ? need(access) : need(access, bucket);
    }
  }
}

function clusterNeed(
  request: NativeRequestShape,
  resource: string,
  rest: readonly string[],
): AccessNeed {
  if (request.method === 'GET') {
    const what = request.query.get('what') ?? '';
    return resource === 'daemon' && openDaemonQueries.has(what)
      ? { kind: 'open' }
      : need(Access.showCluster);
  }
  // A node joining, and its keepalives, come before any user (item 4, TLS, authenticates nodes).
  if (resource === 'cluster' && (rest[0] === 'autoreg' || rest[0] === 'keepalive'))
    return { kind: 'open' };
  return need(Access.admin);
}

function actionAccess(table: Record<string, number>, action: string | undefined): number {
  return action !== undefined && Object.hasOwn(table, action)
    ? (table[action] ?? Access.admin)
    : Access.admin;
}

function bucketOf(
  request: NativeRequestShape,
  name: string | undefined,
): BucketIdentity | undefined {
  if (name === undefined || name === '') return undefined;
  const provider = request.query.get('provider') || 'ais';
  return {
    name,
    provider: provider === 'aws' ? 's3' : provider,
    namespace: request.query.get('namespace') ?? '',
  };
}
