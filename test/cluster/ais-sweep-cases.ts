// AIStore's native API surface for the query sweep, written out here from the design docs
// (native-api.md §1.3 and §1.5, ais-native-extras.md, ais-data-services.md) rather than imported
// from src/wire, so the sweep checks the server against the docs, not against itself.

/**
 * Every AIStore query parameter with a plausible value that asks for something (raw query strings,
 * already URL-encoded). Several are given more than one way.
 */
export const sweptQueries: readonly string[] = [
  'what=smap',
  'props=size,checksum',
  'transient=true',
  'uuid=Xq1w2e3r4',
  'jobid=j1',
  'etl_name=etl-one',
  'etl_name=etl-one&etl_args=a',
  'etl_args=%7B%22k%22%3A1%7D',
  'etl_pipeline=etl-two',
  'etl_fqn=%2Ftmp%2Fx',
  'etl_secret=s',
  'regex=x',
  'only_active=true',
  'set-new-custom=true',
  'bck_to=ais%2F%40%23%2Fsweep2%2F',
  'object_to=ais%2F%40%23%2Fsweep2%2Fo2',
  'object_to=ais/@%23/sweep2/o2&latest-ver=false&synchronize=false',
  'object_to=ais%2F%40%23%2Fsweep%2Fvictim',
  'dont_head_remote_bck=true',
  'keep_bck_md=true',
  'bsumm_remote=true',
  'bsumm_remote=false',
  'presence=1',
  'presence=2',
  'presence=3',
  'presence=4',
  'presence=5',
  'append_type=append',
  'append_type=flush',
  'append_type=append&append_handle=h1',
  'append_handle=h1',
  'original_url=http%3A%2F%2Fexample.com%2Fo',
  'severity=error',
  'offset=10',
  'all=true',
  'archpath=x',
  'archpath=dir%2Ffile.txt&archmime=.tar',
  'archmime=.tar',
  'archregx=x&archmode=prefix',
  'archregx=x',
  'archmode=wdskey',
  'skip_vc=true',
  'frc=true',
  'latest-ver=true',
  'synchronize=true',
  'validate-checksum=true',
  'mountpath_label=l1',
  'object=o',
  'uploads',
  'uploads=true',
  'uploadId=x&partNumber=1',
  'uploadId=x',
  'partNumber=1',
  'readiness=true',
  'apr=true',
  'prr=true',
  'can=p1',
  'prp=true',
  'nel=true',
  'gfn=true',
  'rbs=true',
  'rbd=true',
  'cii=true',
  'owt=1',
  'dntres=true',
  'tcs=1',
  'tise=1',
  'tunc=1',
  'xnt=1s',
  'xht=1s',
  'xwm=true',
  'confirm-fshr=true',
  'act-no-xact=true',
  'nft=t1',
  'tid=t1',
  'coloc=1',
  'sys=true',
  // Nobody defines these.
  'foo=bar',
  'objectTo=ais%2F%40%23%2Fsweep2%2Fo2',
  'constructor=1',
];

/**
 * Parameters every route accepts (bucket identity, redirect markers and signatures, silence, a
 * guarantee Cairn always gives) and "off" values: swept with reads only, since a write with them
 * is a plain write.
 */
export const harmlessQueries: readonly string[] = [
  'provider=ais',
  'namespace=',
  'namespace=%40%23',
  'pid=p1',
  'utm=1',
  'vpams=1',
  'x=n',
  'u=s',
  'sln=true',
  'dont_add_remote_bck_md=true',
  // Values that mean "off" leave the request what it is, in AIStore too.
  'presence=0',
  'latest-ver=false',
  'skip_vc=False',
  'archpath=',
  'append_type=',
  'object_to=',
  'bsumm_remote=',
];

/**
 * Refusing these is the point of issue 10: they must answer 501 on a PUT, with or without body
 * (served as a plain PUT they would replace the object).
 */
export const dangerousPutQueries: readonly string[] = [
  'latest-ver=true',
  'synchronize=true',
  'append_handle=h1',
  'partNumber=1',
];

/**
 * PUTs Cairn serves since issue 12, which must leave the victim as it is: copies (to `sweep2/o2`,
 * or onto the victim itself: a no-op) and an append (invisible until a flush, which the sweep never
 * sends with a valid handle).
 */
export const servedPutQueries: readonly string[] = [
  'object_to=ais%2F%40%23%2Fsweep2%2Fo2',
  'object_to=ais/@%23/sweep2/o2&latest-ver=false&synchronize=false',
  'object_to=ais%2F%40%23%2Fsweep%2Fvictim',
  'append_type=append',
];

/**
 * PUTs into a shard, served since issue 14 (test/cluster/shards.test.ts): with a format they make
 * the victim a shard, so the sweep does not send them with a body (without one they are a 400).
 */
export const shardWriteQueries: readonly string[] = ['archpath=dir%2Ffile.txt&archmime=.tar'];

/** Every action name AIStore defines (actmsg.go, native-api.md §1.5, the data-services doc). */
export const aisActions: readonly string[] = [
  ...['create-bck', 'destroy-bck', 'set-bprops', 'reset-bprops', 'summary-bck', 'list'],
  ...['ec-encode', 'ec-get', 'ec-put', 'ec-resp', 'copy-bck', 'etl-bck', 'etl-inline'],
  ...['dsort', 'download', 'blob-download', 'make-n-copies', 'put-copies', 'rechunk'],
  ...['rebalance', 'move-bck', 'resilver', 'election', 'lru', 'cleanup-store'],
  ...['evict-remote-bck', 'load-lom-cache', 'new-primary', 'promote', 'rename-obj'],
  ...['mpt-upload', 'mpt-complete', 'mpt-abort', 'reset-stats', 'reset-config', 'set-config'],
  ...['rotate-logs', 'reload-creds', 'clear-lcache', 'shutdown', 'copy-listrange'],
  ...['delete-listrange', 'etl-listrange', 'evict-listrange', 'prefetch-listrange', 'archive'],
  ...['attach', 'detach', 'enable-bend', 'disable-bend', 'start-maintenance'],
  ...['stop-maintenance', 'shutdown-node', 'decommission-node', 'decommission'],
  ...['admin-join-target', 'self-join-target', 'admin-join-proxy', 'self-join-proxy'],
  ...['keepalive-update', 'watch-xaction', 'ic-merge-own-tbl', 'reg-global-xaction'],
  ...['check-lock', 'get-batch', 'create-inventory', 'show-inventory', 'destroy-inventory'],
  ...['add-remote-bck', 'head-bck-with-bprops', 'rm-unsafe', 'start-gfn', 'stop-gfn'],
  ...['self-initiated-removal', 'primary-force', 'bump-metasync', 'attach-mp', 'enable-mp'],
  ...['detach-mp', 'disable-mp', 'rescan-mp', 'fshc-mp', 'start', 'stop'],
  ...['open-shared-dm', 'close-shared-dm', 'open-ec-streams', 'close-ec-streams', 'recover'],
];

/** Actions nobody defines: 400. */
export const unknownActions: readonly string[] = ['copy-object', 'toString', ''];

/**
 * The action routes and the actions Cairn runs on each (not sent: they would do what they say,
 * e.g. destroy the bucket or shut the cluster down). Everything else must be refused.
 */
export interface ActionRoute {
  method: string;
  path: string;
  implemented: readonly string[];
  /** Sent to a target's public port instead of the gateway. */
  atTarget?: boolean;
}
export const actionRoutes: readonly ActionRoute[] = [
  { method: 'POST', path: '/v1/objects/sweep/victim', implemented: ['mpt-upload', 'mpt-complete'] },
  // Promote's addressing is served (checked, then 501 naming promote: a test of its own); a blob
  // download names its object in the message (test/remote/blob-download.test.ts).
  { method: 'POST', path: '/v1/objects/sweep', implemented: ['promote', 'blob-download'] },
  {
    method: 'DELETE',
    path: '/v1/objects/sweep/victim',
    implemented: ['mpt-abort', 'evict-listrange'],
  },
  // AIStore's client sets custom metadata with an empty action.
  { method: 'PATCH', path: '/v1/objects/sweep/victim', implemented: [''] },
  { method: 'GET', path: '/v1/buckets', implemented: ['list'] },
  { method: 'GET', path: '/v1/buckets/sweep', implemented: ['list', 'summary-bck'] },
  {
    method: 'POST',
    path: '/v1/buckets/sweep',
    implemented: [
      ...['create-bck', 'make-n-copies', 'ec-encode', 'copy-bck', 'copy-listrange'],
      'prefetch-listrange',
      ...['etl-bck', 'etl-listrange', 'move-bck'],
    ],
  },
  { method: 'PUT', path: '/v1/buckets/sweep', implemented: ['archive'] },
  {
    method: 'DELETE',
    path: '/v1/buckets/sweep',
    implemented: ['destroy-bck', 'delete-listrange', 'evict-listrange', 'evict-remote-bck'],
  },
  { method: 'PATCH', path: '/v1/buckets/sweep', implemented: ['set-bprops', 'reset-bprops'] },
  {
    method: 'PUT',
    path: '/v1/cluster',
    implemented: ['set-config', 'start', 'stop', 'start-maintenance', 'stop-maintenance'].concat([
      'decommission-node',
      'shutdown-node',
      'rm-unsafe',
    ]),
  },
  { method: 'PUT', path: '/v1/daemon', implemented: [] },
  { method: 'PUT', path: '/v1/daemon', implemented: [], atTarget: true },
  {
    method: 'PUT',
    path: '/v1/daemon/mountpaths',
    implemented: ['attach-mp', 'enable-mp', 'detach-mp', 'disable-mp'],
    atTarget: true,
  },
];
