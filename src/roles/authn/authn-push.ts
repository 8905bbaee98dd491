// The AuthN service hands every registered cluster its revoked tokens and S3 keys (`PUT
// /v1/tokens` on the cluster's first answering URL, with an admin token it signs itself): at once
// after each change and again every `intervalMs`, so a node that was down catches up.
import { fetch, type Dispatcher } from 'undici';
import type { ClusterAuthStateJson, TokenKeys } from '../../auth/index.js';
import { permissionsToWire, signToken } from '../../auth/index.js';
import type { Logger } from '../../util/log.js';
import type { AuthnDb } from './authn-db.js';

export class AuthnPush {
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: AuthnDb,
    private readonly keys: TokenKeys,
    private readonly log: Logger,
    private readonly intervalMs: number,
    /** Connections to HTTPS clusters (trusting the service's CA bundle); none: the defaults. */
    private readonly clusters?: Dispatcher,
  ) {}

  start(): void {
    const tick = (): void => {
      this.#timer = setTimeout(() => {
        // pushAll logs each cluster's failure itself; a failure to sign is logged here.
        this.pushAll()
          .catch((error: unknown) => this.log.error('auth push failed', { error: String(error) }))
          .finally(tick);
      }, this.intervalMs);
      this.#timer.unref();
    };
    tick();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  /** What every cluster gets: the revoked tokens not yet expired, and each S3 key with its owner. */
  state(): ClusterAuthStateJson {
    const now = Math.floor(Date.now() / 1000);
    const { data } = this.db;
    return {
      revoked: data.revoked.filter((entry) => entry.expires >= now),
      s3_keys: data.s3_keys.flatMap((key) => {
        const user = data.users[key.user];
        if (user === undefined) return [];
        const owner = permissionsToWire(this.db.permissionsOf(user));
        return [
          {
            access_key: key.access_key,
            secret_key: key.secret_key,
            owner,
            ...(user.email === undefined ? {} : { email: user.email }),
          },
        ];
      }),
    } as ClusterAuthStateJson;
  }

  /** Pushes to every registered cluster; failures are logged and retried on the next round. */
  async pushAll(): Promise<void> {
    const clusters = Object.values(this.db.data.clusters);
    if (clusters.length === 0) return;
    const body = JSON.stringify(this.state());
    const token = await signToken(
      this.keys,
      { username: 'authn', admin: true, clusters: [], buckets: [] },
      60,
    );
    await Promise.all(
      clusters.map(async (cluster) => {
        for (const url of cluster.urls ?? []) {
          try {
            const response = await fetch(`${url.replace(/\/+$/, '')}/v1/tokens`, {
              method: 'PUT',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
              body,
              signal: AbortSignal.timeout(10_000),
              ...(this.clusters === undefined ? {} : { dispatcher: this.clusters }),
            });
            await response.arrayBuffer();
            if (response.ok) return;
            this.log.warn('cluster refused the auth state', {
              cluster: cluster.id,
              url,
              status: response.status,
            });
          } catch (error) {
            this.log.warn('cluster unreachable', {
              cluster: cluster.id,
              url,
              error: String(error),
            });
          }
        }
      }),
    );
  }
}
