// Query parameter names of the native API (AIStore's `api/apc/query.go` spellings), the catalogue
// of every parameter AIStore defines, so that a request naming one Cairn does not serve is refused
// by name instead of being treated as a plain request, and the APPEND handle's format.

export const Query = {
  provider: 'provider',
  namespace: 'namespace',
  what: 'what',
  props: 'props',
  uuid: 'uuid',
  presence: 'presence',
  silent: 'sln',
  setNewCustom: 'set-new-custom',
  validateChecksum: 'validate-checksum',
  /** Single-object copy: the destination as an object uname, `ais/@#/bucket/name`. */
  objectTo: 'object_to',
  /** Copy: fetch the latest remote version (ais buckets: no effect but disabling the no-op). */
  latestVersion: 'latest-ver',
  /** Copy or rename a bucket: the destination as a bucket uname, `ais/@#/bucket/`. */
  bucketTo: 'bck_to',
  /** Copy: also remove the in-cluster copy of an object the remote backend deleted. */
  synchronize: 'synchronize',
  /** APPEND: `append` or `flush`, and the handle of the append in progress. */
  appendType: 'append_type',
  appendHandle: 'append_handle',
  /** GET/HEAD of an ht:// object: its URL at the origin (AIStore's HTTP buckets). */
  originalUrl: 'original_url',
  /** Native multipart upload (S3 spellings). */
  uploadId: 'uploadId',
  partNumber: 'partNumber',
  /** Set by a gateway when it redirects: the gateway's node ID. */
  redirectProxyId: 'pid',
  /** Set by a gateway when it redirects: redirect time, Unix nanoseconds in base 36. */
  redirectTime: 'utm',
  /** Set by the redirecting node: the version of the cluster map it chose the target with. */
  redirectMapVersion: 'vpams',
  /**
   * Cairn: set by a redirecting gateway: the version of the bucket metadata it checked the bucket
   * with. A target that knows an older one waits for it briefly (a bucket just created or renamed).
   */
  redirectBucketMetadataVersion: 'x-cairn-bmd-version',
  /**
   * Cairn: set by a gateway that found an object's owner unreachable and sent the read to the next
   * target instead: the unreachable owner's ID. That target serves the read (see substitute reads).
   */
  substituteFor: 'x-cairn-substitute-for',
  /**
   * Cairn: a job status query (`what=status` by job ID on a gateway, `GET /v1/jobs?id=` on a
   * target) may be held up to this many milliseconds until the job has ended, so that a client
   * waiting for a job hears its end at once with one request, not one poll per interval (each a
   * fan-out to every target). Any other server answers at once: the client polls as before.
   */
  jobWaitMs: 'x-cairn-job-wait-ms',
  /**
   * Cairn: the cluster map version the gateway asking a job's status has. A target answers once
   * its map is at least that new (within a bound), so a target the gateway has dropped from the
   * map is known to have left by the job's share here (its unfinished share fails the job) before
   * that share's end is reported.
   */
  jobMapVersion: 'x-cairn-job-map-version',
  /** AIStore's redirect signature (cluster-key signing): nonce and HMAC. Cairn does not sign. */
  redirectNonce: 'x',
  redirectSignature: 'u',
  /** Only remote buckets are ever added to bucket metadata on the fly (Cairn never does it). */
  dontAddRemoteBucket: 'dont_add_remote_bck_md',
  /** Create a remote bucket without checking that its backend has it. */
  dontHeadRemoteBucket: 'dont_head_remote_bck',
  keepBucketMetadata: 'keep_bck_md',
  /** HEAD bucket: any non-empty value asks for a summary (`true`: also objects not in the cluster). */
  bucketSummary: 'bsumm_remote',
  readiness: 'prr',
  /** Cairn: `GET /v1/health?live=true` answers 200 whenever the process serves (liveness). */
  live: 'live',
  force: 'frc',
  /** Shards: one file inside (`archpath`), the shard's format, files by pattern and match mode. */
  archpath: 'archpath',
  archmime: 'archmime',
  archregx: 'archregx',
  archmode: 'archmode',
  /** GetBatch: the designated target and the colocation hint. */
  designatedTarget: 'tid',
  colocation: 'coloc',
  /** Inline ETL: the ETL's name, its arguments, and further ETLs to apply in order. */
  etlName: 'etl_name',
  etlArgs: 'etl_args',
  etlPipeline: 'etl_pipeline',
} as const;

/**
 * How a parameter's value reads: which values leave the request as if the parameter were absent.
 * - `flag`: a boolean (Go's `strconv.ParseBool` spellings); empty or false is off.
 * - `text`: a name, path, ID or enum; only the empty value is off (AIStore tests `!= ""`).
 * - `number`: an integer whose default is 0; empty or 0 is off.
 * - `switch`: the parameter's presence is the request (`?uploads`); never off.
 */
export type QueryValueKind = 'flag' | 'text' | 'number' | 'switch';

export interface QueryParameterSpec {
  /** What the parameter asks for, as refusals name it. */
  readonly meaning: string;
  readonly kind: QueryValueKind;
}

/** Go's `strconv.ParseBool` spellings of true and false. */
export const flagOnValues: readonly string[] = ['1', 't', 'T', 'true', 'True', 'TRUE'];
export const flagOffValues: readonly string[] = ['0', 'f', 'F', 'false', 'False', 'FALSE'];

const flag = (meaning: string): QueryParameterSpec => ({ meaning, kind: 'flag' });
const text = (meaning: string): QueryParameterSpec => ({ meaning, kind: 'text' });
const number = (meaning: string): QueryParameterSpec => ({ meaning, kind: 'number' });

/**
 * Every query parameter of AIStore's native API (`api/apc/query.go` at 583e7729, and the older
 * `nel`), user-facing and internal. A parameter missing here is one nobody defines.
 */
export const aisQueryParameters: Readonly<Record<string, QueryParameterSpec>> = {
  provider: text('bucket provider'),
  namespace: text('bucket namespace'),
  what: text('query selector'),
  props: text('property selection'),
  transient: flag('in-memory only change'),
  uuid: text('job or session ID'),
  jobid: text('job ID'),
  etl_name: text('inline ETL transform'),
  etl_pipeline: text('ETL pipeline'),
  etl_args: text('ETL arguments'),
  etl_fqn: text('ETL direct file access'),
  etl_secret: text('ETL target access'),
  regex: text('dSort job filter'),
  only_active: flag('dSort active jobs only'),
  'set-new-custom': flag('replace all custom metadata'),
  bck_to: text('destination bucket'),
  object_to: text('single-object copy'),
  dont_add_remote_bck_md: flag('do not add a remote bucket to bucket metadata'),
  dont_head_remote_bck: flag('add a remote bucket without checking it'),
  keep_bck_md: flag('evict remote data, keep bucket metadata'),
  bsumm_remote: text('bucket summary'),
  presence: number('presence filter'),
  append_type: text('append'),
  append_handle: text('append handle'),
  original_url: text('HTTP bucket object'),
  severity: text('node log severity'),
  offset: number('node log offset'),
  all: flag('all node logs'),
  archpath: text('file inside a shard'),
  archmime: text('shard format'),
  archregx: text('files inside a shard by pattern'),
  archmode: text('shard match mode'),
  skip_vc: flag('skip version and checksum check of the existing object'),
  frc: flag('force'),
  'latest-ver': flag('latest remote version'),
  synchronize: flag('synchronize with the remote backend'),
  'validate-checksum': flag('checksum validation'),
  sln: flag('silent'),
  mountpath_label: text('mountpath label'),
  object: text('EC object restore'),
  uploads: { meaning: 'native multipart upload', kind: 'switch' },
  uploadId: text('native multipart upload'),
  partNumber: text('native multipart upload part'),
  readiness: flag('readiness check'),
  apr: flag('health request to the primary'),
  prr: flag('primary ready to rebalance'),
  pid: text('redirecting gateway'),
  can: text('primary candidate'),
  prp: flag('election prepare phase'),
  nel: flag('non-electable gateway'),
  utm: text('redirect time'),
  gfn: flag('get from neighbor'),
  rbs: flag('rebalance status'),
  rbd: flag('EC rebalance data'),
  cii: flag('cluster info'),
  owt: text('object write transaction'),
  dntres: flag('no resilver'),
  tcs: number('dSort compressed size'),
  tise: number('dSort extracted shards'),
  tunc: number('dSort uncompressed size'),
  xnt: text('transaction network timeout'),
  xht: text('transaction host timeout'),
  xwm: flag('wait for metasync'),
  'confirm-fshr': flag('promote: confirm file share'),
  'act-no-xact': flag('promote without a job'),
  nft: text('notification target'),
  vpams: text('redirect cluster map version'),
  x: text('redirect signature nonce'),
  u: text('redirect signature'),
  tid: text('GetBatch designated target'),
  coloc: number('GetBatch colocation'),
  sys: flag('system bucket'),
};

/** The spec of an AIStore query parameter, or undefined when AIStore does not define `name`. */
export function aisQueryParameter(name: string): QueryParameterSpec | undefined {
  // Own keys only: `constructor` or `__proto__` in a query must not find Object's prototype.
  return Object.hasOwn(aisQueryParameters, name) ? aisQueryParameters[name] : undefined;
}

/** True when `value` leaves the request as if the parameter were absent. */
export function isQueryValueOff(spec: QueryParameterSpec, value: string): boolean {
  switch (spec.kind) {
    case 'flag':
      return value === '' || flagOffValues.includes(value);
    case 'text':
      return value === '';
    case 'number':
      return value === '' || value === '0';
    case 'switch':
      return false;
  }
}

/** Values of `what=` for cluster and node queries. */
export const What = {
  smap: 'smap',
  bmd: 'bmd',
  config: 'config',
  clusterConfig: 'cluster_config',
  nodeStats: 'node_stats',
  nodeStatus: 'node_status',
  softwareVersion: 'software_version',
  mountpaths: 'mountpaths',
  disk: 'disk',
  snode: 'snode',
  targetIps: 'target_ips',
  sysinfo: 'sysinfo',
  backends: 'backends',
  remote: 'remote',
  log: 'log',
  metrics: 'metrics',
  /** Rebalance metadata (Cairn): the latest rebalance generation and its job ID `g<N>`. */
  rebalanceMetadata: 'rmd',
  /** The X.509 certificate a node serves (HTTPS nodes). */
  tlsCertificate: 'tls_certificate',
} as const;

/** `append_type` values. */
export const AppendType = { append: 'append', flush: 'flush' } as const;

/**
 * An APPEND handle: `<target ID>|<work file path on that target>|<checksum type>|<state>`, the
 * state base64 (standard alphabet). The client sends it back percent-encoded; the gateway routes
 * by its target ID. Cairn's state is its own (AIStore's is a partial hash).
 */
export interface AppendHandleJson {
  nodeId: string;
  workPath: string;
  checksumType: string;
  state: string;
}

const handleSeparator = '|';

export function formatAppendHandle(handle: AppendHandleJson): string {
  return [handle.nodeId, handle.workPath, handle.checksumType, handle.state].join(handleSeparator);
}

/** The handle's four fields; undefined unless there are exactly four and the first two are set. */
export function parseAppendHandle(text: string): AppendHandleJson | undefined {
  const fields = text.split(handleSeparator);
  if (fields.length !== 4) return undefined;
  const [nodeId = '', workPath = '', checksumType = '', state = ''] = fields;
  if (nodeId === '' || workPath === '') return undefined;
  return { nodeId, workPath, checksumType, state };
}
