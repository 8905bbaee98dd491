// Cluster and node endpoints on a target: queries (with capacity and mountpaths), metasync, and
// acting on metadata changes (a destroyed bucket's jobs stop and its data is removed).
import type { RequestContext } from '../../api/common/index.js';
import { readActionMessage, readJsonBody } from '../../api/common/index.js';
import { refusedAction, type ClusterPort } from '../../api/native/index.js';
import type { MetadataChange } from '../../cluster/index.js';
import { badRequest, notImplemented } from '../../errors/index.js';
import { bucketKeyOf, type JobRegistry } from '../../jobs/index.js';
import type { LocalStore } from '../../storage/index.js';
import { asRecord } from '../../util/json.js';
import { isReadable } from '../../storage/index.js';
import {
  ClusterPath,
  type DiskStatsJson,
  type MountpathCapacityJson,
  type MountpathListJson,
} from '../../wire/index.js';
import { reloadNodeCertificate } from '../common/tls/certificate-routes.js';
import { handleDaemonAction, type DaemonExit } from '../common/daemon-actions.js';
import { answerNodeQuery } from '../common/node-queries.js';
import type { DiskRateSampler } from '../common/metrics/disk-rates.js';
import type { DiskHealth } from './disk-health.js';
import type { MountpathActions } from './mountpath-actions.js';
import { missedRenames } from './rename/bucket-renames.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { forwardToPrimary } from '../common/primary-forward.js';

export class TargetCluster implements ClusterPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly jobs: JobRegistry,
    private readonly mountpathActions: MountpathActions,
    private readonly exit: DaemonExit,
    private readonly diskHealth: DiskHealth,
    private readonly diskRates: DiskRateSampler,
    /** Resolves when what accepted metadata asks of this target's disks is done (renames). */
    private readonly metadataApplied: () => Promise<void>,
  ) {
    runtime.store.onChange((change) => this.#onMetadataChange(change));
  }

  /** A target serves data once it has joined the cluster and one of its mountpaths is usable. */
  async notReadyReason(): Promise<string | undefined> {
    const map = this.runtime.store.clusterMap;
    if (!this.runtime.ready || map?.node(this.runtime.id) === undefined)
      return 'target not (yet) in the cluster map';
    if ((await this.store.usableMountpaths()) === 0)
      return 'no usable mountpath: every mountpath is disabled, detached or gone';
    return undefined;
  }

  query(_scope: 'daemon' | 'cluster', what: string, context: RequestContext): Promise<unknown> {
    return answerNodeQuery(
      this.runtime,
      what,
      {
        capacity: () => this.#capacity(),
        mountpaths: () => this.#mountpaths(),
        alerts: () => this.diskHealth.alerts(),
        diskStats: (capacity) => this.#diskStats(capacity),
      },
      context.query,
    );
  }

  async control(scope: 'daemon' | 'cluster', context: RequestContext): Promise<unknown> {
    if (scope === 'cluster')
      return forwardToPrimary(this.runtime, context, await readJsonBody(context));
    const [, , subpath] = context.segments;
    if (context.method === 'PUT' && subpath === ClusterPath.loadX509)
      return reloadNodeCertificate(this.runtime);
    if (context.method === 'PUT' && subpath === 'mountpaths')
      return this.mountpathActions.run(context);
    if (context.method === 'PUT' && subpath === undefined) {
      const message = await readActionMessage(context);
      if (context.intra) return handleDaemonAction(this.runtime, message, this.exit);
      if (message === undefined) throw badRequest('PUT /v1/daemon: missing action message');
      throw refusedAction('node', message.action);
    }
    throw notImplemented(`${context.method} ${context.path}`);
  }

  async metasync(body: unknown): Promise<void> {
    await this.runtime.store.acceptJson(asRecord(body) ?? {});
    // The primary tells gateways after targets: a renamed bucket is renamed here before they route to it.
    await this.metadataApplied();
  }

  #onMetadataChange(change: MetadataChange): void {
    const bmd = change.bucketMetadata;
    if (bmd?.previous === undefined) return;
    // Renamed while this target was away: BucketRenames moves their directories to the new name.
    const renamed = new Set(missedRenames(bmd).map(({ from }) => bucketKeyOf(from)));
    for (const { bucket } of bmd.previous.list()) {
      if (bmd.current.get(bucket) !== undefined || renamed.has(bucketKeyOf(bucket))) continue;
      this.runtime.log.info('bucket destroyed: removing its data', { bucket: bucket.name });
      this.jobs.abort({ bucketKey: bucketKeyOf(bucket) }, `bucket ${bucket.name} destroyed`);
      this.store
        .destroyBucket(bucket)
        .catch((error: unknown) =>
          this.runtime.log.error('failed to remove bucket data', { bucket: bucket.name, error }),
        );
    }
  }

  async #capacity(): Promise<MountpathCapacityJson[]> {
    const enabled = new Map(
      this.store.mountpaths().map((mountpath) => [mountpath.path, mountpath.enabled]),
    );
    return (await this.store.capacity()).map((entry) => ({
      mountpath: entry.mountpath,
      filesystem: entry.filesystem,
      enabled: enabled.get(entry.mountpath) ?? false,
      total_bytes: entry.totalBytes,
      used_bytes: entry.usedBytes,
      available_bytes: entry.availableBytes,
    }));
  }

  #diskStats(capacity: readonly MountpathCapacityJson[]): Record<string, DiskStatsJson> {
    const disks = this.diskRates.byDisk(capacity.map((entry) => entry.filesystem));
    return Object.fromEntries(
      [...disks].map(([name, rate]) => [
        name,
        {
          RBps: rate.readBps,
          Ravg: rate.avgReadBytes,
          WBps: rate.writeBps,
          Wavg: rate.avgWriteBytes,
          Util: rate.utilPercent,
        },
      ]),
    );
  }

  #mountpaths(): MountpathListJson {
    const all = this.store.mountpaths();
    const paths = (keep: (mountpath: (typeof all)[number]) => boolean): string[] =>
      all.filter(keep).map((mountpath) => mountpath.path);
    return {
      available: paths((mountpath) => mountpath.enabled),
      // Draining before a detach or disable (AIStore: "waiting for detach or disable").
      waiting_dd: paths((mountpath) => mountpath.leaving !== undefined),
      disabled: paths((mountpath) => !isReadable(mountpath)),
    };
  }
}
