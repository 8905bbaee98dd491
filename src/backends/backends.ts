// Which backend serves a remote bucket: `aws://` through the S3 adapter with the bucket's profile
// (cluster config `backend.aws_profiles`, overridden by the bucket's `extra.aws`); `ais://@alias/b`
// through the native API of the attached cluster; providers with no adapter answer 501 naming
// them. Clients are shared between buckets with the same settings (S3) or cluster (AIS).
import type { S3Client } from '@aws-sdk/client-s3';
import { StoreError, badRequest, notImplemented } from '../errors/index.js';
import { Client } from '../sdk/index.js';
import { bucketDisplayName, type BucketJson, type BucketPropsJson } from '../wire/index.js';
import type { Backend } from './backend.js';
import { AwsBackend, createS3Client, type AwsSettings } from './aws-backend.js';
import { AisBackend, aisBackendIdentity } from './ais-backend.js';
import { createHttpAgent, HttpBackend } from './http-backend.js';
import type { Agent } from 'undici';
import { findRemoteCluster, isRemoteAisBucket, type RemoteCluster } from './remote-clusters.js';
import { BackendPacers } from './backend-rate-limit.js';
import { BackendThrottleStats } from './backend-throttle-stats.js';
import { systemClock, type Clock } from '../util/clock.js';

/** A named S3 endpoint profile (cluster config `backend.aws_profiles.<name>`). */
export interface AwsProfile {
  endpoint: string;
  region: string;
  access_key_id: string;
  secret_access_key: string;
  path_style: boolean;
}

/** The cluster config's backend section, as the backends read it. */
export interface BackendSettings {
  awsProfiles: Readonly<Record<string, AwsProfile>>;
  /** Attached remote AIS clusters. */
  remoteClusters: readonly RemoteCluster[];
  requestTimeoutMs: number;
  maxAttempts: number;
  /** The longest remote `Retry-After` a retry waits for (`backend.max_retry_after_ms`). */
  maxRetryAfterMs: number;
}

/** The profile a bucket without `extra.aws.profile` uses (when the config has one by this name). */
export const defaultProfileName = 'default';

const unsupported: Record<string, string> = {
  gcp: 'gcp:// backend (Google Cloud Storage)',
  azure: 'azure:// backend (Azure Blob Storage)',
  oci: 'oci:// backend (Oracle Cloud Object Storage)',
};

/** True for buckets whose objects live in a backend: every provider but `ais`, and `ais://@alias/b`. */
export function isRemoteBucket(bucket: BucketJson): boolean {
  return bucket.provider !== 'ais' || isRemoteAisBucket(bucket);
}

/** Evict and prefetch act on cached copies of remote objects: an ais bucket is refused (400). */
export function requireRemoteBucket(bucket: BucketJson, operation: string): void {
  if (!isRemoteBucket(bucket))
    throw badRequest(`${operation}: ${bucketDisplayName(bucket)} is not a remote bucket`);
}

export class Backends {
  readonly #clients = new Map<string, Promise<S3Client>>();
  /** Native-API clients of attached clusters, by URL. */
  readonly #aisClients = new Map<string, Client>();
  /** The connections to HTTP origins (`ht://`), created on first use. */
  #httpAgent: Agent | undefined;
  /** Paces calls to the backends of buckets with `rate_limit.backend` on. */
  readonly #pacers: BackendPacers;
  /** The remotes' throttled answers and the retries they caused (for `/metrics`). */
  readonly throttleStats = new BackendThrottleStats();

  /** `activeTargets`: how many targets share a bucket's backend budget (this node's map). */
  constructor(
    private readonly settings: () => BackendSettings,
    activeTargets: () => number = () => 1,
    clock: Clock = systemClock,
  ) {
    this.#pacers = new BackendPacers(
      activeTargets,
      clock,
      () => this.settings().maxRetryAfterMs,
      this.throttleStats,
    );
  }

  /**
   * The backend of a remote bucket (501 for providers without an adapter), paced by the bucket's
   * `rate_limit.backend` when that is on, its throttled answers counted either way.
   */
  for(bucket: BucketJson, props: BucketPropsJson): Backend {
    return this.#pacers.apply(this.#unpaced(bucket, props), bucket, props);
  }

  #unpaced(bucket: BucketJson, props: BucketPropsJson): Backend {
    if (bucket.provider === 'aws') {
      const settings = this.#awsSettings(props);
      const key = JSON.stringify(settings);
      let client = this.#clients.get(key);
      if (client === undefined) {
        client = createS3Client(settings);
        // Handled where it is used (each call reports a failure as the backend's error); this
        // keeps a failure before the first call from being an unhandled rejection.
        client.catch(() => undefined);
        this.#clients.set(key, client);
      }
      const remote = settings.endpoint === '' ? `AWS S3 (${settings.region})` : settings.endpoint;
      return new AwsBackend(client, bucket.name, { bucketUri: bucketDisplayName(bucket), remote });
    }
    if (isRemoteAisBucket(bucket)) return this.#aisBackend(bucket);
    if (bucket.provider === 'ht') return this.#httpBackend(bucket, props);
    throw notImplemented(unsupported[bucket.provider] ?? `${bucket.provider}:// backend`);
  }

  /** The attached clusters, as the cluster config has them now. */
  remoteClusters(): readonly RemoteCluster[] {
    return this.settings().remoteClusters;
  }

  /** A native-API client of a remote cluster's URL (shared; closed with the backends). */
  aisClient(url: string): Client {
    let client = this.#aisClients.get(url);
    if (client === undefined) {
      client = new Client(url, { timeoutMs: this.settings().requestTimeoutMs });
      this.#aisClients.set(url, client);
    }
    return client;
  }

  async close(): Promise<void> {
    const s3Clients = [...this.#clients.values()];
    this.#clients.clear();
    // A client that never came (the SDK failed to load) has nothing to destroy.
    await Promise.all(
      s3Clients.map((client) =>
        client.then(
          (made) => made.destroy(),
          () => {},
        ),
      ),
    );
    const clients = [...this.#aisClients.values()];
    this.#aisClients.clear();
    await Promise.all(clients.map((client) => client.close()));
    const agent = this.#httpAgent;
    this.#httpAgent = undefined;
    await agent?.close();
  }

  /** `ht://b`: the origin its `extra.http.original_url` names (400 without one). */
  #httpBackend(bucket: BucketJson, props: BucketPropsJson): Backend {
    const origin = props.extra?.http?.original_url ?? '';
    if (origin === '') {
      throw new StoreError(
        'InvalidBucketProps',
        `${bucketDisplayName(bucket)} has no origin: set extra.http.original_url (create-bck or set-bprops)`,
      );
    }
    this.#httpAgent ??= createHttpAgent(this.settings().requestTimeoutMs);
    return new HttpBackend(this.#httpAgent, origin.replace(/\/+$/, ''), bucketDisplayName(bucket));
  }

  /** `ais://@<alias|uuid>#<ns>/b` is the remote's bucket `b` (in its namespace `#<ns>`). */
  #aisBackend(bucket: BucketJson): Backend {
    const namespace = bucket.namespace ?? { uuid: '', name: '' };
    const cluster = findRemoteCluster(this.settings().remoteClusters, namespace.uuid);
    const url = cluster?.urls[0];
    if (cluster === undefined || url === undefined) {
      throw new StoreError(
        'BucketNotFound',
        `bucket "${bucketDisplayName(bucket)}": remote cluster "${namespace.uuid}" is not attached (PUT /v1/cluster/attach?what=remote)`,
      );
    }
    const remote: BucketJson =
      namespace.name === ''
        ? { name: bucket.name, provider: 'ais' }
        : { name: bucket.name, provider: 'ais', namespace: { uuid: '', name: namespace.name } };
    const identity = aisBackendIdentity(cluster.alias, bucket.name, url);
    return new AisBackend(this.aisClient(url), remote, identity);
  }

  #awsSettings(props: BucketPropsJson): AwsSettings {
    const { awsProfiles, requestTimeoutMs, maxAttempts } = this.settings();
    const extra = props.extra?.aws ?? {};
    const named = extra.profile ?? '';
    const profile = awsProfiles[named === '' ? defaultProfileName : named];
    if (profile === undefined && named !== '') {
      throw new StoreError(
        'InvalidBucketProps',
        `backend profile "${named}" (extra.aws.profile) is not in the cluster config (backend.aws_profiles)`,
      );
    }
    return {
      endpoint: nonEmpty(extra.endpoint) ?? profile?.endpoint ?? '',
      region: nonEmpty(extra.cloud_region) ?? nonEmpty(profile?.region) ?? 'us-east-1',
      accessKeyId: profile?.access_key_id ?? '',
      secretAccessKey: profile?.secret_access_key ?? '',
      pathStyle: profile?.path_style ?? true,
      requestTimeoutMs,
      maxAttempts,
    };
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
