// ETL through the native API's control calls (`/v1/etl`, AIStore's `api/etl.go`): init, list,
// details, logs, health, metrics, stop, start, delete. Inline transforms are object GETs with
// `etl_name` (see Client.getObject).
import {
  apiPath,
  EtlPath,
  type EtlDetailsJson,
  type EtlHealthJson,
  type EtlListEntryJson,
  type EtlLogsJson,
  type EtlMetricsJson,
} from '../../wire/index.js';
import { decodeJson, throwIfBufferedError } from '../http-exchange.js';
import { clusterLabel } from '../labels.js';
import type { ControlRequest } from '../http-exchange.js';

/** What `init` sends (AIStore's ETLSpecMsg); durations are Go duration strings (`45s`, `5m`). */
export interface EtlInitSpec {
  name: string;
  /** `hpush://` (default), `hpull://` or `io://`. */
  communication?: string;
  runtime: { command?: string[]; image?: string; env?: Array<{ name: string; value: string }> };
  env?: Array<{ name: string; value: string }>;
  init_timeout?: string;
  obj_timeout?: string;
  support_direct_put?: boolean;
}

export class EtlClient {
  constructor(private readonly control: ControlRequest) {}

  /** Starts the ETL on every target; returns its xaction ID (`etl-...`). */
  async init(spec: EtlInitSpec): Promise<string> {
    return this.#text('PUT', apiPath('etl'), `init ETL ${spec.name}`, spec);
  }

  async list(): Promise<EtlListEntryJson[]> {
    return this.#json<EtlListEntryJson[]>(apiPath('etl'), 'list ETLs');
  }

  async details(name: string): Promise<EtlDetailsJson> {
    return this.#json<EtlDetailsJson>(apiPath('etl', name), `ETL ${name}`);
  }

  /** Each target's (or one target's) transformer log, decoded. */
  async logs(name: string, targetId?: string): Promise<Array<{ targetId: string; text: string }>> {
    const path = apiPath('etl', name, EtlPath.logs, ...(targetId === undefined ? [] : [targetId]));
    const logs = await this.#json<EtlLogsJson[]>(path, `logs of ETL ${name}`);
    return logs.map((log) => ({
      targetId: log.target_id,
      text: Buffer.from(log.logs, 'base64').toString('utf8'),
    }));
  }

  async health(name: string): Promise<EtlHealthJson[]> {
    return this.#json<EtlHealthJson[]>(
      apiPath('etl', name, EtlPath.health),
      `health of ETL ${name}`,
    );
  }

  async metrics(name: string): Promise<EtlMetricsJson[]> {
    return this.#json<EtlMetricsJson[]>(
      apiPath('etl', name, EtlPath.metrics),
      `metrics of ETL ${name}`,
    );
  }

  async stop(name: string): Promise<void> {
    await this.#text('POST', apiPath('etl', name, EtlPath.stop), `stop ETL ${name}`);
  }

  /** Starts an aborted ETL again; returns its new xaction ID. */
  async start(name: string): Promise<string> {
    return this.#text('POST', apiPath('etl', name, EtlPath.start), `start ETL ${name}`);
  }

  async delete(name: string): Promise<void> {
    await this.#text('DELETE', apiPath('etl', name), `delete ETL ${name}`);
  }

  async #json<T>(path: string, what: string): Promise<T> {
    const label = clusterLabel(what);
    const response = await this.control('GET', path, label);
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (body) => JSON.parse(body) as T);
  }

  async #text(
    method: 'PUT' | 'POST' | 'DELETE',
    path: string,
    what: string,
    message?: object,
  ): Promise<string> {
    const label = clusterLabel(what);
    const response = await this.control(
      method,
      path,
      label,
      message === undefined ? {} : { message },
    );
    throwIfBufferedError(response, label);
    return response.payload.toString('utf8');
  }
}
