// The downloader on a gateway (`/v1/download`, AIStore's `ais/prxdl.go`): a start is checked, its
// ais:// bucket created when missing (a remote one added), and the job started on every target
// (kind `download`, ID `dnl-...`), each target fetching the objects it owns; non-primary gateways
// send starts to the primary. Status and list add up what the targets report; abort stops the
// job everywhere; remove makes the targets forget a job that ended.
import type { DownloadPort } from '../../../api/native/index.js';
import { isRemoteBucket } from '../../../backends/index.js';
import type { ClusterNode, ClusterOwner } from '../../../cluster/index.js';
import { StoreError, badRequest, isStoreError } from '../../../errors/index.js';
import {
  aggregateJobs,
  aggregateStatus,
  parseDownloadBody,
  type DownloadSpec,
} from '../../../jobs/index.js';
import {
  apiPath,
  bucketDisplayName,
  downloadIdPrefix,
  Resource,
  zeroTime,
  type DownloadJobJson,
  type DownloadStartJson,
  type DownloadStatusJson,
} from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { forwardToPrimary } from '../../common/primary-forward.js';
import type { JobCoordinator } from '../job-coordinator.js';
import type { RemoteBucketAdd } from '../remote-bucket-add.js';

export class GatewayDownloads implements DownloadPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
    private readonly jobs: JobCoordinator,
    private readonly remoteAdd: RemoteBucketAdd,
  ) {}

  async start(
    body: unknown,
    context: Parameters<DownloadPort['start']>[1],
  ): Promise<DownloadStartJson> {
    const spec = parseDownloadBody(body);
    const owner = this.owner();
    if (owner === undefined)
      return (await forwardToPrimary(this.runtime, context, body)) as DownloadStartJson;
    checkSource(spec);
    await this.#ensureBucket(owner, spec);
    const id = await this.jobs.start('download', spec.bucket, body, { idPrefix: downloadIdPrefix });
    return { id };
  }

  async status(id: string, onlyActive: boolean): Promise<DownloadStatusJson> {
    const shares = await this.#known(id, onlyActive);
    return aggregateStatus(shares.map(({ body }) => body as DownloadStatusJson));
  }

  async list(regex: string | undefined, onlyActive: boolean): Promise<DownloadJobJson[]> {
    let pattern: RegExp | undefined;
    try {
      pattern = regex === undefined ? undefined : new RegExp(regex);
    } catch (error) {
      throw badRequest(`invalid regex "${regex ?? ''}": ${(error as Error).message}`);
    }
    const answers = await this.#ask('GET', '');
    const jobs = aggregateJobs(answers.map(({ body }) => body as DownloadJobJson[]));
    return jobs.filter(
      (job) =>
        (pattern === undefined || pattern.test(job.description) || pattern.test(job.id)) &&
        (!onlyActive || job.finished_time === zeroTime),
    );
  }

  async abort(id: string): Promise<void> {
    await this.#known(id, true);
    await this.jobs.abort({ id });
  }

  async remove(id: string): Promise<void> {
    const shares = await this.#known(id, true);
    const running = shares.find(({ body }) => (body as DownloadJobJson).finished_time === zeroTime);
    if (running !== undefined)
      throw badRequest(`download job "${id}" is still running (on ${running.node.id})`);
    await Promise.all(
      shares.map(({ node }) =>
        this.#call(node, 'DELETE', `?${new URLSearchParams({ id }).toString()}`),
      ),
    );
  }

  /** AIStore creates a missing ais:// destination (default props) and adds a remote one. */
  async #ensureBucket(owner: ClusterOwner, spec: DownloadSpec): Promise<void> {
    const { bucket } = spec;
    if (isRemoteBucket(bucket)) {
      await this.remoteAdd.ensure(bucket, false);
      return;
    }
    try {
      lookupBucket(this.runtime, bucket);
    } catch (error) {
      if (!isStoreError(error) || error.code !== 'BucketNotFound') throw error;
      await owner.createBucket(bucket, undefined);
    }
  }

  /** The targets' shares of job `id` (404 when no target knows it). */
  async #known(
    id: string,
    onlyActive: boolean,
  ): Promise<Array<{ node: ClusterNode; body: unknown }>> {
    const query = new URLSearchParams({ id, only_active: String(onlyActive) });
    const answers = await this.#ask('GET', `?${query.toString()}`);
    if (answers.length === 0)
      throw new StoreError('JobNotFound', `download job "${id}" does not exist`);
    return answers;
  }

  /**
   * Asks every active target, leaving out those that do not know the job or do not answer (a
   * lost target's share is missing from the sums, as in AIStore).
   */
  async #ask(method: 'GET', query: string): Promise<Array<{ node: ClusterNode; body: unknown }>> {
    const targets = this.runtime.store.clusterMap?.activeTargets() ?? [];
    if (targets.length === 0)
      throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
    const settled = await Promise.allSettled(
      targets.map(async (node) => ({ node, body: await this.#call(node, method, query) })),
    );
    const answers: Array<{ node: ClusterNode; body: unknown }> = [];
    for (const result of settled) {
      if (result.status === 'fulfilled') answers.push(result.value);
      else if (
        !isStoreError(result.reason) ||
        (result.reason.code !== 'JobNotFound' && result.reason.code !== 'PeerUnreachable')
      )
        throw result.reason;
    }
    return answers;
  }

  #call(node: ClusterNode, method: 'GET' | 'DELETE', query: string): Promise<unknown> {
    return this.runtime.client.requestJson(
      `${node.intraUrl}${apiPath(Resource.download)}${query}`,
      {
        method,
        timeoutMs: this.runtime.store.config.values.timeouts.control_ms,
      },
    );
  }
}

/** What the bucket must be for the kind of download (AIStore's checks). */
function checkSource(spec: DownloadSpec): void {
  const { bucket, source } = spec;
  const fromBackend =
    source.kind === 'backend' ||
    (source.kind === 'objects' && [...source.objects.values()].some((link) => link === ''));
  if (!fromBackend) return;
  if (!isRemoteBucket(bucket))
    throw badRequest(
      `download: ${bucketDisplayName(bucket)}: bucket download requires a remote bucket`,
    );
  if (bucket.provider === 'ht')
    throw badRequest(
      `download: ${bucketDisplayName(bucket)}: bucket download does not support HTTP buckets`,
    );
}
