// Metasync: the primary pushes cluster metadata to nodes (`PUT /v1/metasync` on their intra port).
import type { IntraClient } from '../../transport/index.js';
import type { Logger } from '../../util/log.js';
import { apiPath, Resource } from '../../wire/index.js';
import type { ClusterNode } from '../metadata/cluster-map.js';
import type { MetadataBundleJson } from '../metadata/metadata-store.js';

/** Most pushes in flight at once, so a large cluster does not open a connection storm. */
const maxConcurrentPushes = 16;

export class Metasync {
  constructor(
    private readonly client: IntraClient,
    private readonly log: Logger,
  ) {}

  /** Pushes `bundle` to every node; returns the IDs that could not be reached (they catch up later). */
  async push(
    nodes: readonly ClusterNode[],
    bundle: MetadataBundleJson,
    timeoutMs: number,
  ): Promise<string[]> {
    const failed: string[] = [];
    const queue = [...nodes];
    const worker = async (): Promise<void> => {
      for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
        try {
          await this.pushOne(node, bundle, timeoutMs);
        } catch (error) {
          failed.push(node.id);
          this.log.warn('metasync push failed', { node: node.id, error });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(maxConcurrentPushes, queue.length) }, worker));
    return failed;
  }

  async pushOne(node: ClusterNode, bundle: MetadataBundleJson, timeoutMs: number): Promise<void> {
    await this.client.requestJson(`${node.intraUrl}${apiPath(Resource.metasync)}`, {
      method: 'PUT',
      body: bundle,
      timeoutMs,
    });
  }
}
