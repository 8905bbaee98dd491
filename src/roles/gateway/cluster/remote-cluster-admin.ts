// Remote AIStore-compatible clusters on a gateway: attach and detach by alias
// (`PUT /v1/cluster/attach|detach?what=remote` with the `Ais-Remote-Ais-Alias` and
// `Ais-Remote-Ais-Url` headers, run by the primary as a cluster config change) and the query
// `GET /v1/cluster?what=remote` (each attached cluster with its current map, asked live).
import { readJsonBody, type RequestContext } from '../../../api/common/index.js';
import { findRemoteCluster, type RemoteCluster } from '../../../backends/index.js';
import type { ClusterOwner } from '../../../cluster/index.js';
import { StoreError, badRequest } from '../../../errors/index.js';
import { asRecord } from '../../../util/json.js';
import {
  Header,
  Query,
  What,
  type RemoteClusterJson,
  type RemoteClustersJson,
} from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { forwardToPrimary } from '../../common/primary-forward.js';

const aliasPattern = /^[A-Za-z0-9_.-]{1,64}$/;

export class RemoteClusterAdmin {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly owner: () => ClusterOwner | undefined,
  ) {}

  /** `GET /v1/cluster?what=remote`: each attached cluster, with its map when it answers. */
  async query(): Promise<RemoteClustersJson> {
    const { backends } = this.runtime;
    const clusters = backends.remoteClusters();
    const entries = await Promise.all(
      clusters.map(async (cluster): Promise<RemoteClusterJson> => {
        const url = cluster.urls[0] ?? '';
        const entry: RemoteClusterJson = { url, alias: cluster.alias, uuid: cluster.uuid };
        try {
          entry.smap = await backends.aisClient(url).clusterMap({ refresh: true });
        } catch (error) {
          this.runtime.log.warn('remote cluster did not answer', { alias: cluster.alias, error });
        }
        return entry;
      }),
    );
    return { a: entries, ver: this.runtime.store.config.version };
  }

  /** `PUT /v1/cluster/attach|detach?what=remote`. */
  async control(context: RequestContext, subpath: 'attach' | 'detach'): Promise<unknown> {
    const what = context.query.get(Query.what);
    if (what !== What.remote) throw badRequest(`${subpath}: expected what=${What.remote}`);
    // A request forwarded to the primary carries the headers' values in its body.
    const forwarded = context.intra ? asRecord(await readJsonBody(context)) : undefined;
    const field = (header: string, key: 'alias' | 'url'): string | undefined => {
      const value = context.req.headers[header];
      if (typeof value === 'string' && value !== '') return value;
      const sent = forwarded?.[key];
      return typeof sent === 'string' ? sent : undefined;
    };
    const alias = field(Header.remoteAisAlias, 'alias');
    if (alias === undefined || !aliasPattern.test(alias))
      throw badRequest(`${subpath}: invalid or missing remote cluster alias "${alias ?? ''}"`);
    const url = subpath === 'attach' ? attachUrl(field(Header.remoteAisUrl, 'url')) : undefined;
    const owner = this.owner();
    if (owner === undefined)
      return forwardToPrimary(
        this.runtime,
        context,
        url === undefined ? { alias } : { alias, url },
      );
    if (url === undefined) await this.#detach(owner, alias);
    else await this.#attach(owner, alias, url);
    return undefined;
  }

  async #attach(owner: ClusterOwner, alias: string, url: string): Promise<void> {
    const clusters = this.runtime.backends.remoteClusters();
    const known = findRemoteCluster(clusters, alias);
    if (known !== undefined) {
      throw new StoreError(
        'Conflict',
        `attach: "${alias}" already names the attached cluster ${known.alias} (${known.uuid})`,
      );
    }
    const uuid = await this.#remoteUuid(alias, url);
    if (uuid === this.runtime.store.clusterMap?.uuid)
      throw badRequest(`attach: ${url} is this cluster (${uuid})`);
    const twin = clusters.find((cluster) => cluster.uuid === uuid);
    if (twin !== undefined)
      throw new StoreError('Conflict', `attach: ${url} is already attached as "${twin.alias}"`);
    await owner.setConfig(configUpdate([...clusters, { alias, uuid, urls: [url] }]));
  }

  async #detach(owner: ClusterOwner, alias: string): Promise<void> {
    const clusters = this.runtime.backends.remoteClusters();
    if (!clusters.some((cluster) => cluster.alias === alias))
      throw badRequest(`detach: remote cluster "${alias}" is not attached`);
    await owner.setConfig(configUpdate(clusters.filter((cluster) => cluster.alias !== alias)));
  }

  /** The remote's UUID, from its cluster map: the namespace its buckets get here. */
  async #remoteUuid(alias: string, url: string): Promise<string> {
    try {
      const map = await this.runtime.backends.aisClient(url).clusterMap({ refresh: true });
      if (map.uuid === '') throw new Error('its cluster map has no UUID');
      return map.uuid;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new StoreError(
        'BackendUnreachable',
        `attach: remote cluster "${alias}" at ${url} did not answer: ${detail}`,
        { cause: error },
      );
    }
  }
}

/** The remote's URL as its origin; only http and https. */
function attachUrl(url: string | undefined): string {
  let parsed: URL | undefined;
  try {
    parsed = url === undefined ? undefined : new URL(url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:'))
    throw badRequest(`attach: remote cluster URL must be http(s)://..., got "${url ?? ''}"`);
  return parsed.origin;
}

/** The config keys that record the attached clusters (`backend.conf.ais` and their UUIDs). */
function configUpdate(clusters: readonly RemoteCluster[]): Record<string, unknown> {
  const urls: Record<string, readonly string[]> = {};
  const uuids: Record<string, string> = {};
  for (const cluster of clusters) {
    urls[cluster.alias] = cluster.urls;
    uuids[cluster.alias] = cluster.uuid;
  }
  return { 'backend.conf': { ais: urls }, 'backend.remote_ais_uuids': uuids };
}
