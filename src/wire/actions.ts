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
  copyListRange: 'copy-listrange',
  archive: 'archive',
  renameObject: 'rename-obj',
  promote: 'promote',
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
