// Blob download (AIStore's `blob-download`): one large object of a remote bucket fetched by the
// target that owns it in parallel ranged reads (ranged-read.ts), stored as a cold GET stores it
// (checksummed, visible only when whole, protected as the bucket says). Started as a job
// (`POST /v1/objects/<b>` with the action), by a GET with `Ais-Blob-Download: true` (which streams
// the object as it arrives, and shows as a job too), or by prefetch for objects at or above its
// `blob-threshold`. A job shows in job queries as kind `blob-download` and stops on request: the
// chunks in flight are cut and nothing is stored.
import type { BlobGetRequest, ObjectAddress } from '../../../api/native/index.js';
import { requireRemoteBucket, type Backend, type RemoteObject } from '../../../backends/index.js';
import { parseGoDuration } from '../../../config/index.js';
import { badRequest } from '../../../errors/index.js';
import {
  bucketKeyOf,
  Job,
  parseBlobMessage,
  type BlobSettings,
  type JobRegistry,
  type PrefetchBlobs,
} from '../../../jobs/index.js';
import { randomId } from '../../../util/ids.js';
import type { BucketJson } from '../../../wire/index.js';
import type { ColdSource } from '../objects/cold-reads.js';
import type { ObjectService } from '../objects/object-service.js';
import type { ObjectTarget } from '../objects/object-types.js';
import { rangedRead } from './ranged-read.js';

export const blobDownloadKind = 'blob-download';

/** One object's blob download: `loc-bytes` grows as chunks arrive, `loc-objs` is 1 once stored. */
class BlobDownloadJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    readonly objectName: string,
    private readonly work: (job: BlobDownloadJob) => Promise<void>,
  ) {
    super(id, blobDownloadKind, bucket);
  }

  protected async execute(): Promise<void> {
    await this.work(this);
    this.counters.localObjects = 1;
  }
}

export class BlobDownloads {
  constructor(
    private readonly objects: ObjectService,
    private readonly registry: JobRegistry,
  ) {}

  /**
   * `POST /v1/objects/<b>` `blob-download`: the job's ID; "" when the cached copy is current
   * (with `latest-ver`: the same as the remote's), as AIStore answers; the running job's ID when
   * one downloads the object already.
   */
  async start(address: ObjectAddress, value: unknown): Promise<string> {
    const settings = parseBlobMessage(value);
    requireRemoteBucket(address.bucket, blobDownloadKind);
    const target = { bucket: this.objects.resolve(address.bucket), name: address.name };
    const running = this.#running(target);
    if (running !== undefined) return running.id;
    if (!(await this.objects.needsFetch(target, settings.latestVersion))) return '';
    const backend = this.objects.backendOf(target);
    const remote = await backend.head(target.name);
    if (settings.fullSize !== 0 && settings.fullSize !== remote.size)
      throw badRequest(
        `${blobDownloadKind} of ${backend.description}/${target.name}: "full-size" ${settings.fullSize}, the remote has ${remote.size} bytes`,
      );
    const job = new BlobDownloadJob(randomId(10), address.bucket, target.name, (self) =>
      this.objects.fetchRemote(target, this.#source(backend, remote, settings, self)),
    );
    return this.registry.start(job, false).id;
  }

  /**
   * The source of a GET with `Ais-Blob-Download` whose object is not cached: the object in
   * parallel ranges, as a job that ends when it is stored; a plain GET below `Ais-Blob-Threshold`.
   */
  getSource(target: ObjectTarget, request: BlobGetRequest): ColdSource {
    const timeoutMs =
      request.readTimeout === undefined
        ? 0
        : parseGoDuration(request.readTimeout, 'Ais-Blob-Read-Timeout');
    const settings = parseBlobMessage(
      { ...request.message, 'chunk-read-timeout': timeoutMs * 1e6 },
      'GET with Ais-Blob-Download',
    );
    return async () => {
      const backend = this.objects.backendOf(target);
      const remote = await backend.head(target.name);
      if (remote.size < request.thresholdBytes) return await backend.get(target.name);
      let settled: (error: unknown) => void = () => undefined;
      const stored = new Promise<void>((resolve, reject) => {
        settled = (error) => {
          if (error === undefined) resolve();
          else reject(error instanceof Error ? error : new Error('blob download failed'));
        };
      });
      const job = new BlobDownloadJob(
        randomId(10),
        target.bucket.bucket,
        target.name,
        () => stored,
      );
      this.registry.start(job, false);
      return { ...(await this.#source(backend, remote, settings, job)()), settled };
    };
  }

  /** Prefetch's source: objects of at least the threshold in parallel ranges, within its job. */
  prefetchSource(target: ObjectTarget, blobs: PrefetchBlobs): ColdSource {
    return async () => {
      const backend = this.objects.backendOf(target);
      const remote = await backend.head(target.name);
      if (remote.size < blobs.thresholdBytes) return await backend.get(target.name);
      // The prefetch job stops between objects: a download once started runs to its end.
      return rangedRead(backend, remote, {
        settings: blobs.settings,
        signal: new AbortController().signal,
      });
    };
  }

  #source(
    backend: Backend,
    remote: RemoteObject,
    settings: BlobSettings,
    job: BlobDownloadJob,
  ): ColdSource {
    return () =>
      Promise.resolve(
        rangedRead(backend, remote, {
          settings,
          signal: job.signal,
          onChunk: (bytes) => {
            job.counters.localBytes += bytes;
          },
        }),
      );
  }

  #running(target: ObjectTarget): BlobDownloadJob | undefined {
    const filter = {
      kind: blobDownloadKind,
      bucketKey: bucketKeyOf(target.bucket.bucket),
      onlyRunning: true,
    };
    return this.registry
      .find(filter)
      .find(
        (job): job is BlobDownloadJob =>
          job instanceof BlobDownloadJob && job.objectName === target.name,
      );
  }
}
