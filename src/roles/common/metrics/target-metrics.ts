// What a target adds to its `/metrics`, read when scraped (nothing on the request path): each
// mountpath's capacity, state, failed disk checks and its disk's IO (disk-metrics.ts), the object-metadata cache, repairs, and the
// progress of running jobs (rebalance and resilver among them).
import { Counter, Gauge } from 'prom-client';
import type { JobRegistry } from '../../../jobs/index.js';
import type { RepairCounts } from '../../../protect/index.js';
import type {
  ContentCacheStats,
  LocalStore,
  MetadataCacheStats,
  MountpathCapacity,
} from '../../../storage/index.js';
import { registerDiskMetrics } from './disk-metrics.js';
import type { DiskRateSampler } from './disk-rates.js';
import type { NodeMetrics } from './node-metrics.js';

export interface TargetMetricSources {
  store: LocalStore;
  jobs: JobRegistry;
  repairs: RepairCounts;
  /** Failed disk checks by mountpath (the target's disk health). */
  failedChecks: ReadonlyMap<string, number>;
  /** Bytes of GetBatch items open on the target (`get_batch.max_inflight_bytes`). */
  batchBytesInFlight: () => number;
  /** Each disk's throughput, IO sizes and utilization over the last interval. */
  diskRates: DiskRateSampler;
}

/** One scrape reads the file systems once, however many gauges need them. */
const capacityReuseMs = 1000;

export function registerTargetMetrics(metrics: NodeMetrics, sources: TargetMetricSources): void {
  const registers = [metrics.registry];
  const { store } = sources;
  let capacity: { atMs: number; entries: Promise<MountpathCapacity[]> } | undefined;
  const readCapacity = (): Promise<MountpathCapacity[]> => {
    const now = Date.now();
    if (capacity === undefined || now - capacity.atMs > capacityReuseMs)
      capacity = { atMs: now, entries: store.capacity() };
    return capacity.entries;
  };
  const capacityGauge = (
    name: string,
    help: string,
    value: (entry: MountpathCapacity) => number,
  ): void => {
    new Gauge({
      name,
      help,
      labelNames: ['mountpath'],
      registers,
      async collect() {
        const entries = await readCapacity();
        this.reset();
        for (const entry of entries) this.labels(entry.mountpath).set(value(entry));
      },
    });
  };
  capacityGauge(
    'cairn_mountpath_total_bytes',
    "size of the mountpath's file system (bytes; 0 when its disk fails)",
    (entry) => entry.totalBytes,
  );
  capacityGauge(
    'cairn_mountpath_used_bytes',
    "used bytes of the mountpath's file system",
    (entry) => entry.usedBytes,
  );
  capacityGauge(
    'cairn_mountpath_available_bytes',
    "bytes available to Cairn on the mountpath's file system",
    (entry) => entry.availableBytes,
  );
  registerDiskMetrics(registers, readCapacity, sources.diskRates);
  new Gauge({
    name: 'cairn_mountpath_enabled',
    help: 'whether the mountpath takes new objects (1) or is disabled, detaching or failed (0)',
    labelNames: ['mountpath'],
    registers,
    collect() {
      this.reset();
      for (const mountpath of store.mountpaths())
        this.labels(mountpath.path).set(mountpath.enabled ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cairn_mountpath_faulty',
    help: 'whether the mountpath failed a disk check since the node started (1) or not (0)',
    labelNames: ['mountpath'],
    registers,
    collect() {
      this.reset();
      for (const mountpath of store.mountpaths())
        this.labels(mountpath.path).set(
          (sources.failedChecks.get(mountpath.path) ?? 0) > 0 ? 1 : 0,
        );
    },
  });
  new Counter({
    name: 'ais_target_err_fshc_count',
    help: 'number of times the filesystem health checker found a mountpath failing',
    labelNames: ['mountpath'],
    registers,
    collect() {
      this.reset();
      for (const [path, count] of sources.failedChecks) this.labels(path).inc(count);
    },
  });
  const cacheStats = (): MetadataCacheStats => store.metadataCacheStats();
  new Counter({
    name: 'cairn_metadata_cache_hits_total',
    help: 'object metadata read from the cache (the file unchanged since it was cached)',
    registers,
    collect() {
      this.reset();
      this.inc(cacheStats().hits);
    },
  });
  new Counter({
    name: 'cairn_metadata_cache_misses_total',
    help: 'object metadata read from the file (not cached, or the file changed)',
    registers,
    collect() {
      this.reset();
      this.inc(cacheStats().misses);
    },
  });
  new Gauge({
    name: 'cairn_metadata_cache_entries',
    help: 'records in the object metadata cache',
    registers,
    collect() {
      this.set(cacheStats().entries);
    },
  });
  new Gauge({
    name: 'cairn_metadata_cache_bytes',
    help: 'memory the object metadata cache is charged for (bytes, estimated)',
    registers,
    collect() {
      this.set(cacheStats().bytes);
    },
  });
  const contentStats = (): ContentCacheStats => store.contentCacheStats();
  new Counter({
    name: 'cairn_content_cache_hits_total',
    help: "GETs answered from the content cache (the object's bytes in memory, no disk read)",
    registers,
    collect() {
      this.reset();
      this.inc(contentStats().hits);
    },
  });
  new Counter({
    name: 'cairn_content_cache_evictions_total',
    help: 'objects dropped from the content cache to stay within its bytes',
    registers,
    collect() {
      this.reset();
      this.inc(contentStats().evictions);
    },
  });
  new Gauge({
    name: 'cairn_content_cache_bytes',
    help: 'bytes of objects held in the content cache',
    registers,
    collect() {
      this.set(contentStats().bytes);
    },
  });
  new Counter({
    name: 'cairn_repairs_total',
    help: 'objects restored on this target: kind mirror (from a local copy), ec (from EC slices), failed (neither possible)',
    labelNames: ['kind'],
    registers,
    collect() {
      this.reset();
      const { mirror, ec, failed } = sources.repairs;
      this.labels('mirror').inc(mirror);
      this.labels('ec').inc(ec);
      this.labels('failed').inc(failed);
    },
  });
  new Gauge({
    name: 'cairn_getbatch_inflight_bytes',
    help: 'bytes of GetBatch items (and archive job objects) open on the target and not yet passed on',
    registers,
    collect() {
      this.set(sources.batchBytesInFlight());
    },
  });
  registerJobProgress(metrics, sources.jobs);
}

/** Objects and bytes of each running job (rebalance, resilver, copies ...), by direction. */
function registerJobProgress(metrics: NodeMetrics, jobs: JobRegistry): void {
  const gauge = (unit: 'Objects' | 'Bytes', name: string, help: string): void => {
    new Gauge({
      name,
      help,
      labelNames: ['kind', 'job', 'direction'],
      registers: [metrics.registry],
      collect() {
        this.reset();
        for (const job of jobs.find({ onlyRunning: true })) {
          const { counters } = job;
          this.labels(job.kind, job.id, 'local').set(counters[`local${unit}`]);
          this.labels(job.kind, job.id, 'out').set(counters[`out${unit}`]);
          this.labels(job.kind, job.id, 'in').set(counters[`in${unit}`]);
        }
      },
    });
  };
  gauge(
    'Objects',
    'cairn_running_job_objects',
    'objects a running job has handled so far: direction local (on this target), out (sent), in (received)',
  );
  gauge(
    'Bytes',
    'cairn_running_job_bytes',
    'bytes a running job has handled so far, by direction as cairn_running_job_objects',
  );
}
