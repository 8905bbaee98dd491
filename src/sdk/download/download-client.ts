// The downloader through the native API (`/v1/download`, AIStore's `api/download.go`): start a job
// (one link, a map of names to links, a URL range template, a remote bucket's objects), its
// status, the list of jobs, abort, remove, and waiting until every target finished its share.
import {
  apiPath,
  DownloadPath,
  zeroTime,
  type BucketJson,
  type DownloadAdminJson,
  type DownloadBaseJson,
  type DownloadBodyJson,
  type DownloadJobJson,
  type DownloadStartJson,
  type DownloadStatusJson,
} from '../../wire/index.js';
import { decodeJson, throwIfBufferedError } from '../http-exchange.js';
import { clusterLabel } from '../labels.js';
import type { ControlRequest } from '../http-exchange.js';

/** What every start may add: description, per-object `timeout` (Go duration), limits, headers. */
export type DownloadOptions = Omit<DownloadBaseJson, 'bucket'>;

export interface DownloadWaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Called after every poll with the job's status (for progress views). */
  onProgress?: (status: DownloadStatusJson) => void;
}

export class DownloadClient {
  constructor(private readonly control: ControlRequest) {}

  /** Starts a job from a full start body; its ID (`dnl-...`). */
  async start(body: DownloadBodyJson): Promise<string> {
    const label = clusterLabel(`POST download (${body.type})`);
    const response = await this.control('POST', apiPath('download'), label, { message: body });
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (text) => JSON.parse(text) as DownloadStartJson).id;
  }

  /** One link to one object (named by the link's base name unless `objectName`). */
  single(
    bucket: BucketJson,
    link: string,
    options: DownloadOptions & { objectName?: string } = {},
  ): Promise<string> {
    const { objectName, ...base } = options;
    return this.start({
      ...base,
      type: 'single',
      bucket,
      link,
      ...(objectName === undefined ? {} : { object_name: objectName }),
    });
  }

  /** Every link of a URL range template (`https://host/shard-{0000..0099}.tar`), under `subdir`. */
  range(
    bucket: BucketJson,
    template: string,
    options: DownloadOptions & { subdir?: string } = {},
  ): Promise<string> {
    const { subdir, ...base } = options;
    return this.start({
      ...base,
      type: 'range',
      bucket,
      template,
      ...(subdir === undefined ? {} : { subdir }),
    });
  }

  /** A list of links (named by their base names), or a map of object names to links. */
  multi(
    bucket: BucketJson,
    objects: string[] | Record<string, string>,
    options: DownloadOptions = {},
  ): Promise<string> {
    return this.start({ ...options, type: 'multi', bucket, objects });
  }

  /**
   * A remote bucket's objects (under `prefix`, ending with `suffix`) fetched by its backend; with
   * `synchronize`, cached ones the remote no longer has are evicted.
   */
  backend(
    bucket: BucketJson,
    options: DownloadOptions & { prefix?: string; suffix?: string; synchronize?: boolean } = {},
  ): Promise<string> {
    return this.start({ ...options, type: 'backend', bucket });
  }

  /** The job's status over every target (ApiError 404 when no target knows it). */
  async status(id: string, options: { onlyActive?: boolean } = {}): Promise<DownloadStatusJson> {
    const label = clusterLabel(`GET download ${id}`);
    const message: DownloadAdminJson = { id, only_active_tasks: options.onlyActive === true };
    const response = await this.control('GET', apiPath('download'), label, { message });
    throwIfBufferedError(response, label);
    return decodeJson(response, label, (text) => JSON.parse(text) as DownloadStatusJson);
  }

  /** Every job (running first); `regex` matches descriptions (or IDs). */
  async list(options: { regex?: string; onlyActive?: boolean } = {}): Promise<DownloadJobJson[]> {
    const label = clusterLabel('GET download jobs');
    const message: DownloadAdminJson = {
      ...(options.regex === undefined ? {} : { regex: options.regex }),
      only_active_tasks: options.onlyActive === true,
    };
    const response = await this.control('GET', apiPath('download'), label, { message });
    throwIfBufferedError(response, label);
    return (
      decodeJson(response, label, (text) => JSON.parse(text) as DownloadJobJson[] | null) ?? []
    );
  }

  async abort(id: string): Promise<void> {
    await this.#admin(DownloadPath.abort, id);
  }

  /** Forgets a job that ended (ApiError 400 while it runs). */
  async remove(id: string): Promise<void> {
    await this.#admin(DownloadPath.remove, id);
  }

  /**
   * Polls until the job finished on every target (`finished_time` set; an aborted job too), at
   * most `timeoutMs` (default 1 hour); the last status.
   */
  async wait(id: string, options: DownloadWaitOptions = {}): Promise<DownloadStatusJson> {
    const timeoutMs = options.timeoutMs ?? 3_600_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status(id);
      options.onProgress?.(status);
      if (status.finished_time !== zeroTime) return status;
      if (Date.now() > deadline)
        throw new Error(`download ${id} still running after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 250));
    }
  }

  async #admin(what: string, id: string): Promise<void> {
    const label = clusterLabel(`${what} download ${id}`);
    const response = await this.control('DELETE', apiPath('download', what), label, {
      message: { id },
    });
    throwIfBufferedError(response, label);
  }
}
