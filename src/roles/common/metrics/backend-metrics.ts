// A node's counts of remote throttling (429/503 from a remote bucket's backend) and of the retries
// `rate_limit.backend` made for it, read from the backends' counts when `/metrics` is scraped.
// AIStore's own names for what it has (`ratelim.retry.get.n`, `ratelim.retry.get.ns.total`:
// GETs retried and their waits), Cairn's for the rest.
import { Counter, type Registry } from 'prom-client';
import type {
  BackendThrottleStats,
  ThrottleCounts,
  ThrottleSeries,
} from '../../../backends/index.js';

const labelNames = ['provider', 'bucket', 'kind'] as const;

export function registerBackendMetrics(
  registry: Registry,
  role: 'proxy' | 'target',
  stats: BackendThrottleStats,
): void {
  const registers = [registry];
  const counter = (name: string, help: string, value: (counts: ThrottleCounts) => number): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const series of stats.series())
          this.labels(series.provider, series.bucket, series.kind).inc(value(series));
      },
    });
  };
  counter(
    'cairn_backend_throttled_total',
    'answers 429 or 503 from remote backends, by bucket and kind of call',
    (counts) => counts.throttled,
  );
  counter(
    'cairn_backend_retries_total',
    'calls to remote backends sent again after a 429 or 503 (rate_limit.backend)',
    (counts) => counts.retries,
  );
  counter(
    'cairn_backend_slowdowns_total',
    'calls to remote backends given up on for throttling: the client got 429 (S3 SlowDown)',
    (counts) => counts.slowdowns,
  );
  const gets = (value: (series: ThrottleSeries) => number) =>
    function collect(this: Counter<'bucket'>): void {
      this.reset();
      for (const series of stats.series())
        if (series.kind === 'get') this.labels(series.bucket).inc(value(series));
    };
  new Counter({
    name: `ais_${role}_ratelim_retry_get_count`,
    help: 'GET: calls retried after remote backends answered 429 or 503 (AIStore ratelim.retry.get.n)',
    labelNames: ['bucket'],
    registers,
    collect: gets((series) => series.retriedCalls),
  });
  new Counter({
    name: `ais_${role}_ratelim_retry_get_ns_total`,
    help: 'GET: total time (nanoseconds) retried calls waited for their retries (AIStore ratelim.retry.get.ns.total)',
    labelNames: ['bucket'],
    registers,
    collect: gets((series) => series.retryWaitMs * 1e6),
  });
}
