// The Prometheus side of a node's request counters (`GET /metrics`), under AIStore's public names
// (`ais_<proxy|target>_get_count`, `..._get_bytes`, `..._get_ns_total`, `..._err_get_count`) with
// an `api` label (native or s3), plus Cairn's latency histogram and error counts by status. Every
// label set is made once here (a child per API and operation), so counting a request allocates
// no label objects. A request's count, time and bytes are added up in plain numbers and handed to
// prom-client's counters when the registry is read (their `collect`): each `inc` hashes and checks
// its label set, and three per GET cost a 4 KiB GET more than the rest of its stats
// (docs/profiling.md, "The ladder").
import { Counter, Histogram, type Registry } from 'prom-client';
import type { StatsOperation } from './request-stats.js';

/** The API a request came through. */
export type RequestApi = 'native' | 's3';

export type CountedOperation = Exclude<StatsOperation, 'none'>;

const apis: readonly RequestApi[] = ['native', 's3'];
const operations: readonly CountedOperation[] = ['get', 'put', 'head', 'del', 'lst'];

/** What AIStore's help says each operation counts. */
const operationHelp: Readonly<Record<CountedOperation, string>> = {
  get: 'GET(object)',
  put: 'PUT(object)',
  head: 'HEAD(object)',
  del: 'DELETE(object)',
  lst: 'list-objects',
};

/** Latency buckets, seconds: 0.5 ms (a cached small GET) to 10 s (a large object). */
const latencyBuckets = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10,
];

interface CounterChild {
  inc(value?: number): void;
}
interface HistogramChild {
  observe(value: number): void;
}

/** One API's and operation's children, made at start. */
interface OperationChildren {
  count: CounterChild;
  errors: CounterChild;
  time: CounterChild;
  duration: HistogramChild;
  bytes: CounterChild | undefined;
  /** Error answers by status code, made at the first of each code. */
  byStatus: Map<number, CounterChild>;
  api: RequestApi;
  operation: CountedOperation;
  /** Counted since the counters were last read (`#flush`). */
  pending: { count: number; time: number; bytes: number };
  /** Durations (seconds) not yet observed by the histogram, `observed` of them (made on first use). */
  durations: Float64Array | undefined;
  observed: number;
}

/**
 * Durations kept per API and operation before the histogram observes them all at once (when the
 * registry is read, or when this many wait): a histogram's `observe` validates and hashes its label
 * set each time, and run once per request it cost a 4 KiB GET far more than in a loop.
 */
const pendingDurations = 1024;

export class RequestMetrics {
  readonly #children: Record<RequestApi, Partial<Record<CountedOperation, OperationChildren>>> = {
    native: {},
    s3: {},
  };
  readonly #statusErrors: Counter<'api' | 'op' | 'code'>;

  /** `subsystem` is AIStore's node type in metric names: `proxy` or `target`. */
  constructor(registry: Registry, subsystem: 'proxy' | 'target') {
    const registers = [registry];
    const prefix = `ais_${subsystem}_`;
    // Reading any of the counters brings all of them up to date.
    const collect = (): void => this.#flush();
    this.#statusErrors = new Counter({
      name: 'cairn_request_errors_total',
      help: 'object and list-objects requests answered with a status of 400 or more, 404 included, by status code',
      labelNames: ['api', 'op', 'code'],
      registers,
    });
    const duration = new Histogram({
      name: 'cairn_request_duration_seconds',
      help: 'time to serve a successful object or list-objects request (a gateway: to redirect or forward it)',
      labelNames: ['api', 'op'],
      buckets: latencyBuckets,
      registers,
      collect,
    });
    for (const operation of operations) {
      const what = operationHelp[operation];
      const count = new Counter({
        name: `${prefix}${operation}_count`,
        help: `total number of executed ${what} requests`,
        labelNames: ['api'],
        registers,
        collect,
      });
      const errors = new Counter({
        name: `${prefix}err_${operation}_count`,
        help: `total number of ${what} errors (status 400 or more, 404 not counted)`,
        labelNames: ['api'],
        registers,
        collect,
      });
      const time = new Counter({
        name: `${prefix}${operation}_ns_total`,
        help: `${what}: total cumulative time (nanoseconds) of successful requests`,
        labelNames: ['api'],
        registers,
        collect,
      });
      const bytes =
        operation === 'get' || operation === 'put'
          ? new Counter({
              name: `${prefix}${operation}_bytes`,
              help: `${what}: total cumulative size (bytes) of successful requests`,
              labelNames: ['api'],
              registers,
              collect,
            })
          : undefined;
      for (const api of apis) {
        this.#children[api][operation] = {
          count: count.labels(api),
          errors: errors.labels(api),
          time: time.labels(api),
          duration: duration.labels(api, operation),
          bytes: bytes?.labels(api),
          byStatus: new Map(),
          api,
          operation,
          pending: { count: 0, time: 0, bytes: 0 },
          durations: undefined,
          observed: 0,
        };
        // Zero from the start, so that a rate over the first requests is right.
        count.labels(api).inc(0);
        errors.labels(api).inc(0);
      }
    }
  }

  /**
   * Counts one request: `failed` (AIStore's error: status ≥ 400 but 404), `status` (for the
   * errors by code), and for one that succeeded and was sent in full (`timed`) its bytes and
   * duration. Plain numbers: nothing is allocated per request (the histogram observes the
   * durations in batches: `pendingDurations`).
   */
  record(
    api: RequestApi,
    operation: CountedOperation,
    status: number,
    failed: boolean,
    timed: boolean,
    bytes: number,
    nanoseconds: number,
  ): void {
    const children = this.#children[api][operation];
    if (children === undefined) return;
    const { pending } = children;
    pending.count += 1;
    if (status >= 400) this.#errorOf(children, status).inc();
    if (failed) {
      children.errors.inc();
      return;
    }
    if (!timed) return;
    pending.time += nanoseconds;
    children.durations ??= new Float64Array(pendingDurations);
    children.durations[children.observed] = nanoseconds / 1e9;
    children.observed += 1;
    if (children.observed === pendingDurations) observeDurations(children);
    if (bytes > 0) pending.bytes += bytes;
  }

  /** Hands what was counted since the counters were last read to them. */
  #flush(): void {
    for (const api of apis) {
      for (const children of Object.values(this.#children[api])) {
        const { pending } = children;
        if (pending.count > 0) children.count.inc(pending.count);
        if (pending.time > 0) children.time.inc(pending.time);
        if (pending.bytes > 0) children.bytes?.inc(pending.bytes);
        pending.count = 0;
        pending.time = 0;
        pending.bytes = 0;
        observeDurations(children);
      }
    }
  }

  #errorOf(children: OperationChildren, status: number): CounterChild {
    let child = children.byStatus.get(status);
    if (child === undefined) {
      child = this.#statusErrors.labels(children.api, children.operation, String(status));
      children.byStatus.set(status, child);
    }
    return child;
  }
}

/** Hands the durations waiting in `children` to the histogram. */
function observeDurations(children: OperationChildren): void {
  const { durations, observed } = children;
  children.observed = 0;
  if (durations === undefined) return;
  for (let index = 0; index < observed; index += 1)
    children.duration.observe(durations[index] as number);
}
