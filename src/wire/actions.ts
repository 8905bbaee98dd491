// Action messages: control requests carry `{"action", "name", "value"}` JSON (AIStore's ActMsg).

export const Action = {
  list: 'list',
  createBucket: 'create-bck',
  destroyBucket: 'destroy-bck',
  setBucketProps: 'set-bprops',
  resetBucketProps: 'reset-bprops',
  summaryBucket: 'summary-bck',
  copyBucket: 'copy-bck',
  moveBucket: 'move-bck',
  makeNCopies: 'make-n-copies',
  ecEncode: 'ec-encode',
  deleteListRange: 'delete-listrange',
  evictListRange: 'evict-listrange',
  prefetchListRange: 'prefetch-listrange',
  evictRemoteBucket: 'evict-remote-bck',
  copyListRange: 'copy-listrange',
  etlBucket: 'etl-bck',
  etlListRange: 'etl-listrange',
  archive: 'archive',
  renameObject: 'rename-obj',
  promote: 'promote',
  blobDownload: 'blob-download',
  multipartUpload: 'mpt-upload',
  multipartComplete: 'mpt-complete',
  multipartAbort: 'mpt-abort',
  setConfig: 'set-config',
  resetConfig: 'reset-config',
  startJob: 'start',
  stopJob: 'stop',
  shutdown: 'shutdown',
  startMaintenance: 'start-maintenance',
  stopMaintenance: 'stop-maintenance',
  decommissionNode: 'decommission-node',
  shutdownNode: 'shutdown-node',
  removeUnsafe: 'rm-unsafe',
  attachMountpath: 'attach-mp',
  enableMountpath: 'enable-mp',
  detachMountpath: 'detach-mp',
  disableMountpath: 'disable-mp',
} as const;
export type ActionName = (typeof Action)[keyof typeof Action];

/** The JSON body of a control request. */
export interface ActionMessage<Value = unknown> {
  action: string;
  name?: string;
  value?: Value | null;
}

/**
 * Value of `promote` (`api/apc/promote.go` PromoteArgs); the action's `name` is the source path.
 * All optional: `src` (equal to `name` when both are set), `obj` (destination name or prefix),
 * `tid` (only this target), `rcr` (recurse), `ovw` (overwrite), `dls` (delete the source after),
 * `notshr` (the source is not a file share every target sees).
 */
export interface PromoteArgsJson {
  tid?: string;
  src?: string;
  obj?: string;
  rcr?: boolean;
  ovw?: boolean;
  dls?: boolean;
  notshr?: boolean;
}

/** One part of `mpt-complete`'s value. The ETag may be empty (the server knows its parts). */
export interface MultipartPartJson {
  'part-number': number;
  etag: string;
}

/**
 * Value of `start-maintenance`, `stop-maintenance`, `decommission-node`, `shutdown-node` and
 * `rm-unsafe` (AIStore's ActValRmNode).
 */
export interface RemoveNodeValueJson {
  /** The node's ID. */
  sid: string;
  sids?: string[];
  /** Change the cluster map without moving the node's objects away first. */
  skip_rebalance?: boolean;
  /** Decommission: also delete the node's objects. */
  rm_user_data?: boolean;
  /** Decommission: keep the node's cluster metadata copies (it may rejoin as the same member). */
  keep_initial_config?: boolean;
  /** Decommission: leave the process running (out of the cluster) instead of stopping it. */
  no_shutdown?: boolean;
}

/**
 * Every action name of AIStore's action messages (`api/apc/actmsg.go` at 583e7729, and the
 * inventory actions of the native API reference), user-facing and internal. An action missing here
 * is one nobody defines; one listed that a route does not serve is refused by name.
 */
export const aisActionNames: ReadonlySet<string> = new Set([
  'create-bck',
  'destroy-bck',
  'set-bprops',
  'reset-bprops',
  'summary-bck',
  'ec-encode',
  'ec-get',
  'ec-put',
  'ec-resp',
  'copy-bck',
  'etl-bck',
  'etl-inline',
  'dsort',
  'download',
  'blob-download',
  'make-n-copies',
  'put-copies',
  'rechunk',
  'rebalance',
  'move-bck',
  'resilver',
  'election',
  'lru',
  'cleanup-store',
  'evict-remote-bck',
  'list',
  'load-lom-cache',
  'new-primary',
  'promote',
  'rename-obj',
  'mpt-upload',
  'mpt-complete',
  'mpt-abort',
  'reset-stats',
  'reset-config',
  'set-config',
  'rotate-logs',
  'reload-creds',
  'clear-lcache',
  'shutdown',
  'copy-listrange',
  'delete-listrange',
  'etl-listrange',
  'evict-listrange',
  'prefetch-listrange',
  'archive',
  'attach',
  'detach',
  'enable-bend',
  'disable-bend',
  'start-maintenance',
  'stop-maintenance',
  'shutdown-node',
  'decommission-node',
  'decommission',
  'admin-join-target',
  'self-join-target',
  'admin-join-proxy',
  'self-join-proxy',
  'keepalive-update',
  'watch-xaction',
  'ic-merge-own-tbl',
  'reg-global-xaction',
  'check-lock',
  'get-batch',
  'create-inventory',
  'show-inventory',
  'destroy-inventory',
  'add-remote-bck',
  'head-bck-with-bprops',
  'rm-unsafe',
  'start-gfn',
  'stop-gfn',
  'self-initiated-removal',
  'primary-force',
  'bump-metasync',
  'attach-mp',
  'enable-mp',
  'detach-mp',
  'disable-mp',
  'rescan-mp',
  'fshc-mp',
  'start',
  'stop',
  'open-shared-dm',
  'close-shared-dm',
  'open-ec-streams',
  'close-ec-streams',
  'recover',
]);
