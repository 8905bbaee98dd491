// dSort through the native API (`/v1/sort`, AIStore's `api/dsort.go`): start a job from a
// RequestSpec, each target's metrics, the list of jobs, abort, remove, and waiting until every
// target finished creating its shards (as AIStore's Python `Dsort.wait`).
import { apiPath, type DsortJobInfoJson } from '../../wire/index.js';
import { decodeJson, throwIfBufferedError } from '../http-exchange.js';
import { clusterLabel } from '../labels.js';
import type { ControlRequest } from '../http-exchange.js';

export interface DsortWaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Called after every poll with each target's JobInfo (for progress views). */
  onProgress?: (metrics: Record<string, DsortJobInfoJson>) => void;
}

export class DsortClient {
  constructor(private readonly control: ControlRequest) {}

  /** Starts a job; its ID (`srt-...`). */
  async start(spec: object): Promise<string> {
    const label = clusterLabel('POST dsort');
    const response = await this.control('POST', apiPath('sort'), label, { message: spec });
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8').trim();
  }

  /** Each target's JobInfo (ApiError 404 when no target knows the job). */
  async metrics(id: string): Promise<Record<string, DsortJobInfoJson>> {
    const label = clusterLabel(`GET dsort ${id}`);
    const response = await this.control('GET', apiPath('sort'), label, { query: { uuid: id } });
    throwIfBufferedError(response, label);
    return decodeJson(
      response,
      label,
      (text) => JSON.parse(text) as Record<string, DsortJobInfoJson>,
    );
  }

  /** Every job (aggregated over targets); `regex` matches IDs or descriptions. */
  async list(options: { regex?: string; onlyActive?: boolean } = {}): Promise<DsortJobInfoJson[]> {
    const label = clusterLabel('GET dsort jobs');
    const query: Record<string, string> = {};
    if (options.regex !== undefined) query.regex = options.regex;
    if (options.onlyActive === true) query.only_active = 'true';
    const response = await this.control('GET', apiPath('sort'), label, { query });
    throwIfBufferedError(response, label);
    return (
      decodeJson(response, label, (text) => JSON.parse(text) as DsortJobInfoJson[] | null) ?? []
    );
  }

  async abort(id: string): Promise<void> {
    const label = clusterLabel(`abort dsort ${id}`);
    const response = await this.control('DELETE', apiPath('sort', 'abort'), label, {
      query: { uuid: id },
    });
    throwIfBufferedError(response, label);
  }

  /** Forgets a finished or aborted job. */
  async remove(id: string): Promise<void> {
    const label = clusterLabel(`remove dsort ${id}`);
    const response = await this.control('DELETE', apiPath('sort'), label, { query: { uuid: id } });
    throwIfBufferedError(response, label);
  }

  /**
   * Polls until every target finished creating shards or the job was aborted (bounded by
   * `timeoutMs`, default 30 minutes); returns the last metrics.
   */
  async wait(
    id: string,
    options: DsortWaitOptions = {},
  ): Promise<Record<string, DsortJobInfoJson>> {
    const timeoutMs = options.timeoutMs ?? 30 * 60_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const metrics = await this.metrics(id);
      options.onProgress?.(metrics);
      const infos = Object.values(metrics);
      if (infos.some((info) => info.aborted) || infos.every((info) => info.archived))
        return metrics;
      if (Date.now() > deadline) throw new Error(`dsort ${id} still running after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }
}
