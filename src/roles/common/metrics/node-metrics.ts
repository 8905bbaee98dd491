// A node's Prometheus registry (`GET /metrics`): request counters (api/common/request-metrics),
// prom-client's process metrics (memory, CPU, event-loop delay, GC), uptime, job counters, and
// whatever a role adds (a target: mountpaths, metadata cache, repairs). Every series carries
// AIStore's static label `node_id`.
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { RequestMetrics, type RequestContext } from '../../../api/common/index.js';
import { StoreError } from '../../../errors/index.js';
import type { JobObserver, JobState } from '../../../jobs/index.js';

export class NodeMetrics {
  readonly registry = new Registry();
  /** Absent when the node config turns request counting off (`requestMetrics: false`). */
  readonly requests: RequestMetrics | undefined;
  /** Feeds the job counters (a target's job registry). */
  readonly jobs: JobObserver;

  constructor(nodeId: string, role: 'proxy' | 'target', countRequests: boolean) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ node_id: nodeId });
    collectDefaultMetrics({ register: this.registry });
    this.requests = countRequests ? new RequestMetrics(this.registry, role) : undefined;
    const startedMs = Date.now();
    new Gauge({
      name: `ais_${role}_uptime`,
      help: "this node's uptime since its startup (seconds)",
      registers,
      collect() {
        this.set((Date.now() - startedMs) / 1000);
      },
    });
    const labelNames = ['kind'] as const;
    const started = new Counter({
      name: 'cairn_jobs_started_total',
      help: 'jobs (xactions) started on this node, by kind',
      labelNames,
      registers,
    });
    const ended = new Counter({
      name: 'cairn_jobs_ended_total',
      help: 'jobs ended on this node, by kind and final state (finished, failed, aborted)',
      labelNames: ['kind', 'state'],
      registers,
    });
    const running = new Gauge({
      name: 'cairn_jobs_running',
      help: 'jobs running on this node, by kind',
      labelNames,
      registers,
    });
    this.jobs = {
      started(kind: string): void {
        started.labels(kind).inc();
        running.labels(kind).inc();
      },
      ended(kind: string, state: JobState): void {
        ended.labels(kind, state).inc();
        running.labels(kind).dec();
      },
    };
  }

  /** `GET|HEAD /metrics`: the registry in Prometheus text format. */
  async serve(context: RequestContext): Promise<void> {
    const { res, method } = context;
    if (method !== 'GET' && method !== 'HEAD')
      throw new StoreError('MethodNotAllowed', `${method} /metrics: only GET and HEAD`);
    context.operation = 'none';
    const text = await this.registry.metrics();
    res.writeHead(200, {
      'content-type': this.registry.contentType,
      'content-length': Buffer.byteLength(text),
    });
    res.end(method === 'HEAD' ? undefined : text);
  }
}
