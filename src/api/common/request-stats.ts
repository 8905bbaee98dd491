// Per-node request counters under AIStore's metric names (`get.n`, `get.size`, `err.get.n`, ...):
// how many object reads, writes, HEADs, deletes and listings this node served on either port (a
// gateway counts what it redirects or forwards, a target what it serves), their bytes, their time,
// and how many failed. `what=node_stats` and `what=node_status` report them as AIStore's tracker.
import { performance } from 'node:perf_hooks';
import { isNativeApiPath, type StatsTrackerJson } from '../../wire/index.js';
import type { RequestContext } from './request-context.js';
import type { RequestMetrics } from './request-metrics.js';
import { invariant } from '../../util/assert.js';

/** The kinds of request counted; `none` is not counted (e.g. a bucket summary poll). */
export type StatsOperation = 'get' | 'put' | 'head' | 'del' | 'lst' | 'none';

/** AIStore's metric kinds, as `what=metrics` reports them. */
export type MetricKind = 'counter' | 'size' | 'total' | 'special';

/** Every metric this node keeps, with its kind (AIStore `GetMetricNames`). */
export const metricKinds: Readonly<Record<string, MetricKind>> = Object.freeze({
  'get.n': 'counter',
  'get.size': 'size',
  'get.ns.total': 'total',
  'err.get.n': 'counter',
  'put.n': 'counter',
  'put.size': 'size',
  'put.ns.total': 'total',
  'err.put.n': 'counter',
  'head.n': 'counter',
  'err.head.n': 'counter',
  'del.n': 'counter',
  'err.del.n': 'counter',
  'lst.n': 'counter',
  'lst.ns.total': 'total',
  'err.lst.n': 'counter',
  'up.ns.time': 'special',
});

/** An operation's metric names (AIStore times GETs, PUTs and listings, not HEADs or deletes). */
interface OperationNames {
  readonly count: string;
  readonly errors: string;
  readonly time?: string;
}

/** Each counted operation's metric names, every one of them in `metricKinds`. */
const metricNames: Readonly<Record<Exclude<StatsOperation, 'none'>, OperationNames>> =
  Object.freeze({
    get: { count: 'get.n', errors: 'err.get.n', time: 'get.ns.total' },
    put: { count: 'put.n', errors: 'err.put.n', time: 'put.ns.total' },
    head: { count: 'head.n', errors: 'err.head.n' },
    del: { count: 'del.n', errors: 'err.del.n' },
    lst: { count: 'lst.n', errors: 'err.lst.n', time: 'lst.ns.total' },
  });

/** A counter's part not yet folded into its BigInt total, under its metric name. */
interface PendingCount {
  readonly name: string;
  value: number;
}

interface OperationCells {
  readonly count: PendingCount;
  readonly errors: PendingCount;
  readonly time: PendingCount | undefined;
}

/**
 * A plain number stays exact up to 2^53; a counter is folded into its BigInt total before it gets
 * near that (a node adds up nanoseconds: 2^53 ns is 104 days of request time).
 */
const foldAbove = 2 ** 50;

export class RequestStats {
  /** Totals folded in from `#pending` (BigInt: AIStore's counters are int64). */
  readonly #values = new Map<string, bigint>();
  /**
   * What was counted since the last fold, in plain numbers: a BigInt sum allocates, and a request
   * adds up to four of them (docs/profiling.md, "The ladder").
   */
  readonly #pending = new Map<string, PendingCount>();
  /** Each counted operation's cells of `#pending`, found without a lookup by name per request. */
  readonly #cells: Record<Exclude<StatsOperation, 'none'>, OperationCells>;
  readonly #getSize: PendingCount;
  readonly #putSize: PendingCount;
  readonly #startedNs = process.hrtime.bigint();

  /** `metrics`: the Prometheus counters fed with the same requests (absent: not exported). */
  constructor(private readonly metrics?: RequestMetrics) {
    for (const name of Object.keys(metricKinds)) {
      this.#values.set(name, 0n);
      this.#pending.set(name, { name, value: 0 });
    }
    const cell = (name: string): PendingCount => {
      const found = this.#pending.get(name);
      invariant(found !== undefined, `${name} is not one of the node's metrics`);
      return found;
    };
    const cellsOf = (names: OperationNames): OperationCells => ({
      count: cell(names.count),
      errors: cell(names.errors),
      time: names.time === undefined ? undefined : cell(names.time),
    });
    this.#cells = {
      get: cellsOf(metricNames.get),
      put: cellsOf(metricNames.put),
      head: cellsOf(metricNames.head),
      del: cellsOf(metricNames.del),
      lst: cellsOf(metricNames.lst),
    };
    this.#getSize = cell('get.size');
    this.#putSize = cell('put.size');
  }

  /**
   * Counts a finished request: its operation (set by the route, else from the path), status,
   * bytes (the announced body length of a successful read or write) and duration. A failure is an
   * answer of 400 or more other than 404 (a missing object or bucket is the client's question,
   * not the node failing). `startedMs`: `performance.now()` when the request arrived.
   */
  record(context: RequestContext, startedMs: number): void {
    const operation = context.operation ?? classify(context);
    if (operation === 'none') return;
    const { res, req } = context;
    const status = res.statusCode;
    const failed = status >= 400 && status !== 404;
    const cells = this.#cells[operation];
    this.#add(cells.count, 1);
    if (failed) this.#add(cells.errors, 1);
    const timed = !failed && res.writableFinished;
    let bytes = 0;
    let nanoseconds = 0;
    if (timed) {
      nanoseconds = Math.round((performance.now() - startedMs) * 1e6);
      if (cells.time !== undefined) this.#add(cells.time, nanoseconds);
      if (operation === 'get' && (status === 200 || status === 206)) {
        bytes =
          context.answerLength === undefined
            ? byteCount(res.getHeader('content-length'))
            : context.answerLength;
        this.#add(this.#getSize, bytes);
      }
      if (operation === 'put' && status < 300) {
        const decoded = req.headers['x-amz-decoded-content-length'];
        bytes = byteCount(decoded ?? req.headers['content-length']);
        this.#add(this.#putSize, bytes);
      }
    }
    if (this.metrics === undefined) return;
    // The S3 router names its operations; everything else counted is under `/v1/`.
    const api = isNativeApiPath(context.path) ? 'native' : 's3';
    this.metrics.record(api, operation, status, failed, timed, bytes, nanoseconds);
  }

  /** The current values, as AIStore's tracker. */
  tracker(): StatsTrackerJson {
    const tracker: StatsTrackerJson = {};
    for (const name of this.#values.keys()) tracker[name] = { v: this.#fold(name).toString() };
    tracker['up.ns.time'] = { v: (process.hrtime.bigint() - this.#startedNs).toString() };
    return tracker;
  }

  #add(pending: PendingCount, amount: number): void {
    pending.value += amount;
    if (pending.value > foldAbove) this.#fold(pending.name);
  }

  /** Moves a counter's pending number into its BigInt total; answers the total. */
  #fold(name: string): bigint {
    const pending = this.#pending.get(name);
    const total = (this.#values.get(name) ?? 0n) + BigInt(pending?.value ?? 0);
    if (pending !== undefined) pending.value = 0;
    this.#values.set(name, total);
    return total;
  }
}

/** Native paths by method: objects under `/v1/objects/`, listings as GET `/v1/buckets/<b>`. */
function classify(context: RequestContext): StatsOperation {
  const { segments } = context;
  const [version, resource, bucket] = segments;
  if (version !== 'v1') return 'none';
  if (resource === 'objects' && segments.length > 3) {
    switch (context.method) {
      case 'GET':
        return 'get';
      case 'PUT':
        return 'put';
      case 'HEAD':
        return 'head';
      case 'DELETE':
        return 'del';
      default:
        return 'none';
    }
  }
  if (resource === 'buckets' && (bucket ?? '') !== '' && context.method === 'GET') return 'lst';
  return 'none';
}

/** What S3 operations count as (S3 requests are classified by the S3 router). */
export function s3StatsOperation(operation: string): StatsOperation {
  switch (operation) {
    case 'GetObject':
      return 'get';
    case 'PutObject':
    case 'PostObject':
    case 'CopyObject':
    case 'UploadPart':
      return 'put';
    case 'HeadObject':
      return 'head';
    case 'DeleteObject':
    case 'DeleteObjects':
      return 'del';
    case 'ListObjects':
    case 'ListObjectsV2':
    case 'ListObjectVersions':
      return 'lst';
    default:
      return 'none';
  }
}

function byteCount(value: number | string | string[] | undefined): number {
  const first = Array.isArray(value) ? value[0] : value;
  // The usual case, a length set as a number, without the text and the pattern.
  if (typeof first === 'number' && Number.isSafeInteger(first) && first >= 0) return first;
  const text = first === undefined ? '' : String(first);
  return /^\d+$/.test(text) ? Number(text) : 0;
}
