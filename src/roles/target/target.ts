// Starts a target: opens its mountpaths (cleaning stale work files, applying run-time mountpath
// changes recorded earlier), serves, joins the cluster, then resumes an interrupted rebalance or
// resilver.
import { join } from 'node:path';
import type { ClusterMember } from '../../cluster/index.js';
import { loadMasterKey, type NodeConfig } from '../../config/index.js';
import {
  TargetEtl,
  etlJobDefinitions,
  startTransformerEndpoint,
  type TransformerEndpoint,
} from '../../etl/index.js';
import { isRemoteBucket } from '../../backends/index.js';
import {
  DownloadJournal,
  JobInterruptions,
  jobDefinitions,
  ShareJournal,
  TargetDownloads,
} from '../../jobs/index.js';
import { DataProtection, protectionJobDefinitions, reprotectOwned } from '../../protect/index.js';
import {
  RebalanceManager,
  RebalanceMarker,
  startResilver,
  type PlacementChangeHook,
  type RebalanceEnvironment,
} from '../../protect/rebalance/index.js';
import {
  LocalStore,
  localDisk,
  Tombstones,
  tombstonesFileName,
  type Disk,
} from '../../storage/index.js';
import { acceptPieceStream, IntraStreamClient, PieceStreams } from '../../transport/index.js';
import { Resource, type BucketJson } from '../../wire/index.js';
import type { DaemonExit } from '../common/daemon-actions.js';
import { metadataRoute } from '../common/metadata-route.js';
import {
  NodeRuntime,
  type NodeHooks,
  type NodeSeams,
  type RunningNode,
} from '../common/node-runtime.js';
import { DiskHealth } from './disk-health.js';
import { downloadRoute } from './download-route.js';
import { dsortRoute } from './dsort-route.js';
import { TargetDsort } from '../../dsort/index.js';
import { openShard } from './shards/object-archive-source.js';
import { MountpathActions } from './mountpath-actions.js';
import { copyObject, copyRoute } from './objects/object-copy.js';
import { protectionPolicy, rebalancePolicy } from './objects/object-policies.js';
import { ObjectService } from './objects/object-service.js';
import {
  deleteAtOwner,
  existsAtOwner,
  putDownloadedObject,
  otherOwner,
  putStreamedObject,
  storeAtOwner,
  storeNewAtOwner,
} from './objects/owner-writes.js';
import { rebalanceRoute } from './rebalance-route.js';
import { ShardListing } from './shards/shard-listing.js';
import { openWholeObject, openWholeObjectChunks } from './shards/batch-items.js';
import { clusterObjectNames } from './shards/cluster-names.js';
import { ShardIndexes } from './shards/shard-indexes.js';
import { writeShard } from './shards/shard-writes.js';
import { TargetBatch } from './shards/target-batch.js';
import { BatchBudget } from './shards/batch-budget.js';
import { readObjects } from './shards/batch-reading.js';
import { batchPartsRoute } from './shards/batch-parts-route.js';
import { TargetBuckets } from './target-buckets.js';
import { TargetCluster } from './target-cluster.js';
import { TargetJobs } from './target-jobs.js';
import { DiskRateSampler } from '../common/metrics/disk-rates.js';
import { readDiskStats } from '../common/metrics/disk-stats.js';
import { registerTargetMetrics } from '../common/metrics/target-metrics.js';
import { TargetObjects } from './objects/target-objects.js';
import { TargetS3Buckets } from './target-s3-buckets.js';
import { TargetS3Objects } from './objects/s3/target-s3-objects.js';
import { ObjectEncryption } from './objects/object-encryption.js';
import { OwnerForwarder } from '../common/s3-forwarding.js';
import { s3ApiOptions } from '../common/s3-settings.js';
import { TargetPieces } from './target-pieces.js';

import { sweepChunkSetsInBackground } from './chunk-set-sweep.js';
import { remoteObjectNames } from './objects/remote-names.js';
import { SpaceWatcher } from './space/space-watcher.js';
import { lifecycleDefinition } from './lifecycle/lifecycle-job.js';
import { LifecycleSchedule } from './lifecycle/lifecycle-schedule.js';
import { SpaceGuard } from './space/out-of-space.js';
import { abortEtlOnPrimary } from './primary-requests.js';
import { refuseOnRemote } from './objects/write-through.js';
import { BucketRenames } from './rename/bucket-renames.js';
import { moveBucketDefinition } from './rename/move-bucket-job.js';
import { BlobDownloads } from './blob/blob-downloads.js';
import type { ColdSource } from './objects/cold-reads.js';
import { s3Settings } from '../common/s3-settings.js';

/** Longest upload of one EC piece, and longest silence while reading one from a peer. */
const pieceTransferTimeoutMs = 30 * 60_000;
/**
 * Piece bytes one piece stream carries unacknowledged, on either end: a sender waits for room, a
 * holder stops reading. Some slices of 1 MiB per peer keep the holder's disk busy without letting
 * one peer's stream hold much memory.
 */
const maxPieceStreamBytes = 8 * 1024 * 1024;
/** A piece frame: a slice of one stripe (the 1 MiB unit at most) and its metafile. */
const maxPieceFrameBytes = 2 * 1024 * 1024;

/** Longest wait for a peer's dSort answer, and between two chunks of a record (AIStore's call_timeout). */
const dsortCallTimeoutMs = 10 * 60_000;

/** The volume record: mountpath changes made at run time (see storage/mountpath/volume-record). */
const volumeRecordName = 'mountpaths.json';
/** Where download jobs still running are kept to be resumed (`<node dir>/downloads/<id>.json`). */
const downloadJournalName = 'downloads';
/** Where the other job shares running are recorded, to report a crash's (`<node dir>/jobs/<id>.json`). */
const jobJournalName = 'jobs';

/** A target's seams: those of every node, and the disk its store works on (tests wrap it). */
export interface TargetSeams extends NodeSeams {
  disk?: Disk;
}

export async function startTarget(
  config: NodeConfig,
  hooks: NodeHooks,
  seams: TargetSeams = {},
): Promise<RunningNode> {
  const runtime = await NodeRuntime.create(config, seams);
  const storage = runtime.store.config.values.storage;
  const store = await LocalStore.open({
    nodeId: runtime.id,
    mountpaths: [...config.mountpaths],
    storage: {
      fsyncObjects: storage.fsync_objects,
      verifyInMemoryMaxBytes: storage.verify_in_memory_max_bytes,
      readChunkBytes: storage.read_chunk_bytes,
      metadataCacheBytes: storage.metadata_cache_bytes,
      contentCache: {
        maxBytes: storage.content_cache_bytes,
        objectMaxBytes: storage.content_cache_object_max_bytes,
        checkIntervalMs: storage.content_cache_check_ms,
      },
    },
    volumeRecordPath: join(config.dir, volumeRecordName),
    clock: runtime.clock,
    ...(seams.disk === undefined ? {} : { disk: seams.disk }),
  });
  // fsync of objects and the content cache's check interval follow the cluster config as it changes
  // (a new target's store opens with the defaults, before the join brings the cluster's config).
  runtime.store.onChange((change) => {
    if (change.config === undefined) return;
    const current = change.config.current.values.storage;
    store.setFsyncObjects(current.fsync_objects);
    store.setContentCheckMs(current.content_cache_check_ms);
  });
  await runtime.listen();
  const streams = new IntraStreamClient({
    callerId: runtime.id,
    connectionsPerPeer: 32,
    connect: runtime.peerConnector?.connect,
  });
  const pieceStreams = new PieceStreams({
    callerId: runtime.id,
    maxInFlightBytes: maxPieceStreamBytes,
    maxAckBytes: 64 * 1024,
    maxFrameBytes: maxPieceFrameBytes,
    connect: runtime.peerConnector?.connect,
  });
  const membership: { member?: ClusterMember } = {};
  const protection = new DataProtection({
    pieceStreams,
    nodeId: runtime.id,
    store,
    client: runtime.client,
    streams,
    log: runtime.log,
    timeouts: {
      controlMs: runtime.store.config.values.timeouts.control_ms,
      dataMs: pieceTransferTimeoutMs,
    },
    clusterMap: () => runtime.store.clusterMap,
    refreshClusterMap: async () => membership.member?.refreshClusterMap(),
  });
  // HTTPS targets serve their transformers on loopback HTTP (transformer-endpoint.ts).
  const transformerEndpoint: TransformerEndpoint | undefined =
    config.tls === undefined
      ? undefined
      : await startTransformerEndpoint(runtime.id, runtime.log, (context, rest) =>
          etl.handle(context, rest),
        );
  // Before the jobs: offline transforms are jobs that use it (the object service comes later).
  const etl: TargetEtl = new TargetEtl({
    nodeId: runtime.id,
    dir: config.dir,
    endpointUrl: () => transformerEndpoint?.url ?? runtime.self.intraUrl,
    metadata: runtime.store,
    clock: runtime.clock,
    log: runtime.log,
    openObject: (bucket, name) => openWholeObject(runtime, shards, bucket, name),
    openObjectChunks: (bucket, name) => openWholeObjectChunks(runtime, shards, bucket, name),
    headObject: async (bucket, name) => {
      const { size, body } = await openWholeObject(runtime, shards, bucket, name);
      body.destroy();
      return { size };
    },
    storeObject: (bucket, name, body, size) => {
      refuseOnRemote(bucket, 'copying objects');
      return storeAtOwner(runtime, objects, bucket, name, body, size);
    },
    putObject: (bucket, name, body) => putStreamedObject(objects, bucket, name, body),
    remoteOwner: (bucket, name) => otherOwner(runtime, bucket, name),
    countDelivered: (jobId, bytes) => jobs.countDelivered(jobId, bytes),
    abortEtl: (name, reason) => abortEtlOnPrimary(runtime, name, reason),
    // The registry comes next (its job kinds include the offline transforms, which use `etl`).
    startJob: (job) => jobs.registry.start(job, false),
  });
  const downloads = new TargetDownloads(
    new DownloadJournal(join(config.dir, downloadJournalName), runtime.log),
  );
  const jobs = new TargetJobs(
    runtime,
    {
      nodeId: runtime.id,
      store,
      client: runtime.client,
      log: runtime.log,
      disk: localDisk,
      promoteRoot: config.promoteRoot,
      clusterMap: () => runtime.store.clusterMap,
      bucketMetadata: () => runtime.store.bucketMetadata,
      clusterConfig: () => runtime.store.config.values,
      isRemoteBucket,
      deleteObject: (bucket, name) => deleteAtOwner(runtime, objects, bucket, name),
      evictObject: (bucket, name) => objects.evict({ bucket: objects.resolve(bucket), name }),
      evictColdObjects: (bucket, replicas, readBeforeMs) =>
        objects.evictCold(objects.resolve(bucket), replicas, readBeforeMs),
      prefetchObject: (bucket, name, latest, blobSizes): Promise<boolean> => {
        const target = { bucket: objects.resolve(bucket), name };
        const source: ColdSource | undefined =
          blobSizes === undefined ? undefined : blobs.prefetchSource(target, blobSizes);
        return objects.prefetch(target, latest, source);
      },
      remoteObjectNames: (bucket, prefix) => remoteObjectNames(runtime, objects, bucket, prefix),
      openObjects: (bucket, names) => readObjects(runtime, shards, bucket, names),
      listObjectNames: (bucket, prefix) => clusterObjectNames(runtime, bucket, prefix),
      writeShard: (bucket, name, options, addNew) =>
        writeShard(
          objects,
          shardIndexes,
          { bucket: objects.resolve(bucket), name },
          { mode: options.append ? 'append-or-create' : 'create', mime: options.format },
          addNew,
        ),
      storeObject: (bucket, name, body, size) =>
        storeAtOwner(runtime, objects, bucket, name, body, size),
      storeNewObject: (bucket, name, body, size) =>
        storeNewAtOwner(runtime, objects, bucket, name, body, size),
      objectExists: (bucket, name) => existsAtOwner(runtime, objects, bucket, name),
      putObject: (bucket, name, body, options) =>
        putDownloadedObject(objects, bucket, name, body, options),
      copyObject: (source, name, destination, destinationName) =>
        copyObject(
          runtime,
          objects,
          { bucket: objects.resolve(source), name },
          { bucket: destination, name: destinationName },
          { latestVersion: false, synchronize: false },
        ),
    },
    [
      ...jobDefinitions,
      downloads.definition,
      ...protectionJobDefinitions(protection),
      ...etlJobDefinitions(etl),
      moveBucketDefinition(() => rebalanceManager.status()),
      lifecycleDefinition(runtime, store, {
        delete: (bucket, key, versionId, precondition) =>
          s3Objects.delete(bucket, key, versionId, false, precondition),
        abortUpload: (bucket, key, uploadId) => s3Objects.abortUpload(bucket, key, uploadId),
      }),
    ],
    new JobInterruptions(
      new ShareJournal(join(config.dir, jobJournalName), runtime.log),
      runtime.id,
      runtime.log,
    ),
  );
  const renames = new BucketRenames(runtime, store, jobs.registry);
  const reprotect: PlacementChangeHook = async (signal, log) => {
    const checked = await reprotectOwned(protection, runtime.store, runtime.id, signal, log);
    if (checked > 0) log.info('protection made right after a placement change', { checked });
  };
  const rebalance: RebalanceEnvironment = {
    afterPlacementChange: reprotect,
    beforeWalk: () => renames.apply(),
    nodeId: runtime.id,
    store,
    client: runtime.client,
    metadata: runtime.store,
    marker: await RebalanceMarker.load(config.dir),
    log: runtime.log,
    tombstones: await Tombstones.open(
      seams.disk ?? localDisk,
      join(config.dir, tombstonesFileName),
    ),
    dropDeleted: (bucket, name, deletedAtMs) => protection.dropDeleted(bucket, name, deletedAtMs),
  };
  const rebalanceManager: RebalanceManager = new RebalanceManager(rebalance, jobs.registry);
  // Entering out-of-space asks for an lru run at once (the watcher starts after the join).
  let space: SpaceWatcher | undefined;
  const spaceGuard = new SpaceGuard(runtime, store, () => {
    void space?.check().catch((error: unknown) => {
      runtime.log.warn('lru start at out-of-space failed', { error });
    });
  });
  const objects: ObjectService = new ObjectService(
    runtime,
    store,
    protectionPolicy(protection),
    rebalancePolicy(rebalanceManager, rebalance),
    spaceGuard,
    renames,
  );
  const blobs: BlobDownloads = new BlobDownloads(objects, jobs.registry);
  // Listings and stores of EC pieces wait as object requests do: no stale replica of a delete
  // taken while away is listed, no piece written into a destroyed bucket's directory.
  const listingReady = (bucket: BucketJson): Promise<void> =>
    objects.bucketReady(bucket, undefined) ?? Promise.resolve();
  const shardIndexes = new ShardIndexes(store, runtime.log);
  objects.onChange((address) => shardIndexes.forget(address.bucket, address.name));
  const budget = new BatchBudget(() => runtime.store.config.values.get_batch.max_inflight_bytes);
  const shards = { objects, indexes: shardIndexes, budget };
  const mountpaths = new MountpathActions(store, jobs.registry, runtime.store, reprotect, () =>
    renames.recheck(),
  );
  const diskHealth = new DiskHealth(store, runtime.log, runtime.clock, () => {
    mountpaths.resilver();
  });
  const diskRates = new DiskRateSampler({
    read: () => readDiskStats(),
    intervalMs: () => runtime.store.config.values.periodic.stats_time_ms,
    onError: (error) => runtime.log.warn('disk stats not read', { error }),
  });
  diskRates.start();
  registerTargetMetrics(runtime.metrics, {
    diskRates,
    store,
    jobs: jobs.registry,
    repairs: protection.repairs,
    failedChecks: diskHealth.failedChecks,
    batchBytesInFlight: () => budget.used,
  });
  jobs.localKinds.set('resilver', (request) => {
    startResilver(jobs.registry, store, runtime.store, request.id, reprotect);
  });
  const exit: DaemonExit = {
    leaveCluster: () => membership.member?.stop(),
    wipeUserData: async () => {
      for (const { bucket } of runtime.store.bucketMetadata?.list() ?? [])
        await store.destroyBucket(bucket);
    },
    exitProcess: hooks.requestExit,
  };
  const encryption = new ObjectEncryption(await loadMasterKey(config.sseMasterKeyFile), () =>
    s3Settings(runtime),
  );
  const nativeObjects = new TargetObjects(runtime, objects, shardIndexes, encryption, blobs);
  const s3Objects = new TargetS3Objects(runtime, objects, encryption);
  const dsort = new TargetDsort(
    {
      nodeId: runtime.id,
      store,
      client: runtime.client,
      clock: runtime.clock,
      workDirectory: join(config.dir, 'dsort'),
      callTimeoutMs: dsortCallTimeoutMs,
      driverSilenceMs: () => runtime.store.config.values.keepalive.timeout_ms,
      clusterMap: () => runtime.store.clusterMap,
      openArchive: async (bucket, name) =>
        (await openShard(objects, { bucket: objects.resolve(bucket), name })).source,
      putObject: async (bucket, name, body) => {
        await putStreamedObject(objects, bucket, name, body);
      },
      deleteObject: async (bucket, name) => {
        await objects.delete({ bucket: objects.resolve(bucket), name });
      },
    },
    jobs.registry,
  );
  const pieces = new TargetPieces(runtime, protection, listingReady);
  runtime.serveUpgrades((req, socket, head) =>
    acceptPieceStream(
      req,
      socket,
      head,
      (header, body, bytes) => pieces.storeFramed(header, body, bytes),
      {
        maxFrameBytes: maxPieceFrameBytes,
        maxPendingBytes: maxPieceStreamBytes,
        onBroken: (reason) => runtime.log.warn('piece stream broken', { reason }),
      },
    ),
  );
  runtime.serve(
    {
      objects: nativeObjects,
      buckets: new TargetBuckets(runtime, store, new ShardListing(shards, store), listingReady),
      batch: new TargetBatch(runtime, shards),
      cluster: new TargetCluster(
        runtime,
        store,
        jobs.registry,
        mountpaths,
        exit,
        diskHealth,
        diskRates,
        () => renames.settled(),
      ),
      jobs,
      erasureCoding: pieces,
      etl,
      internal: {
        [Resource.rebalance]: rebalanceRoute(runtime, store, rebalanceManager),
        [Resource.metadata]: metadataRoute(runtime),
        [Resource.copy]: copyRoute(objects),
        [Resource.dsort]: dsortRoute(dsort),
        [Resource.download]: downloadRoute(downloads),
        [Resource.batchParts]: batchPartsRoute(runtime, shards),
      },
    },
    s3ApiOptions(
      runtime,
      {
        objects: s3Objects,
        buckets: new TargetS3Buckets(runtime, store, listingReady),
        forwarder: new OwnerForwarder(runtime, undefined, (bucket, version) =>
          objects.bucketReady(bucket, version),
        ),
      },
      false,
    ),
  );
  // Before joining: the join brings the RMD of the rebalance this target's arrival starts, and
  // requests may reach it as soon as the others learn of it.
  // A rename the persisted metadata asks for (the target was down when it came) comes first.
  await renames.apply();
  rebalanceManager.start();
  const member = await runtime.joinCluster();
  membership.member = member;
  // The join brought the current bucket metadata: a bucket destroyed and created again meanwhile
  // loses the old content here first (object requests wait for `joined`).
  await renames.apply();
  // In the map now: object requests wait until the deletes taken while away are applied here.
  rebalanceManager.joined();
  // Removed without shutting down, then added back by an admin (`cluster add`): keepalives again.
  runtime.store.onChange((change) => {
    if (member.stopped && change.clusterMap?.current.node(runtime.id) !== undefined) {
      runtime.log.info('added back to the cluster');
      member.resume();
    }
  });
  mountpaths.resumeIfPending();
  // Download jobs a shutdown or crash interrupted go on (their bucket and the map are known now).
  await downloads
    .resume((request) => jobs.start(request), runtime.log)
    .catch((error: unknown) => runtime.log.error('download jobs not resumed', { error }));
  await jobs
    .reportInterrupted()
    .catch((error: unknown) => runtime.log.error('interrupted job shares not reported', { error }));
  // Transformers of the ETLs the metadata says run (restored after a restart, or new at join).
  etl.reconcile();
  runtime.announceReady();
  sweepChunkSetsInBackground(runtime, store);
  const stopAppendSweep = nativeObjects.appends.sweepAbandoned();
  const watcher = (space = new SpaceWatcher(runtime, store, jobs));
  watcher.start();
  const lifecycle = new LifecycleSchedule(runtime, jobs);
  lifecycle.start();
  return {
    runtime,
    close: async () => {
      stopAppendSweep();
      diskRates.stop();
      watcher.stop();
      lifecycle.stop();
      member.stop();
      // The transformers first: their etl-inline jobs then end, and are not aborted (aborting
      // one asks the primary to stop its ETL everywhere).
      await etl.close();
      await transformerEndpoint?.close();
      downloads.suspend();
      jobs.suspend();
      jobs.registry.abortAll('node shutting down');
      await downloads.close();
      await runtime.close();
      await streams.close();
      await pieceStreams.close();
      await store.close();
    },
  };
}
