// Cluster-wide configuration: versioned metadata owned by the primary and synced to every node.
import { z } from 'zod';
import { StoreError } from '../errors/index.js';
import { checksumTypeNames, type ChecksumTypeName } from '../wire/index.js';
import { rateLimitSchema } from './rate-limit.js';

/** An SSE-KMS key ID of the cluster's key store (`s3.kms.keys`): a name, as MinIO's KMS keys. */
export const kmsKeyIdPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** An attached remote cluster's alias: a namespace's first part, so no `#`, `/` or `@`. */
const remoteAliasSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/);

/** Cluster config schema with documented defaults (wire form: snake_case sections). */
export const clusterConfigSchema = z
  .object({
    keepalive: z
      .object({
        /** How often every node reports to the primary. */
        interval_ms: z.number().int().min(100).max(60_000).default(1000),
        /** A node silent this long is removed from the cluster map by the primary. */
        timeout_ms: z.number().int().min(1000).max(3_600_000).default(30_000),
        /** A gateway that has not reached the primary this long starts an election. */
        primary_timeout_ms: z.number().int().min(500).max(600_000).default(8000),
      })
      .strict()
      .prefault({}),
    storage: z
      .object({
        /** fsync each object's work file and directory before the PUT is acknowledged. */
        fsync_objects: z.boolean().default(true),
        /** Objects up to this size (of content, encryption overhead not counted) are verified before the first byte is sent. */
        verify_in_memory_max_bytes: z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        /** Chunk size for streaming larger objects from disk. */
        read_chunk_bytes: z
          .number()
          .int()
          .min(4096)
          .max(16 * 1024 * 1024)
          .default(1024 * 1024),
        /**
         * Memory for the target's object metadata cache (decoded records of recently read objects,
         * estimated per entry; 0 turns it off). 64 MiB holds about 65,000 small records.
         */
        metadata_cache_bytes: z
          .number()
          .int()
          .min(0)
          .max(16 * 1024 * 1024 * 1024)
          .default(64 * 1024 * 1024),
        /**
         * Memory for the bytes of hot small objects, kept beside their cached records so that a
         * repeated GET needs no disk read (0 turns it off; see docs/design-decisions.md, Content
         * cache). 256 MiB holds 65,536 objects of 4 KiB.
         */
        content_cache_bytes: z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024 * 1024)
          .default(256 * 1024 * 1024),
        /** Larger objects are not kept in the content cache. */
        content_cache_object_max_bytes: z
          .number()
          .int()
          .min(0)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        /**
         * A cached object's file is checked (stat, in the background) at most once per half this;
         * one not confirmed for this long is read from disk: the longest a change made behind
         * the store's back is served from memory.
         */
        content_cache_check_ms: z.number().int().min(10).max(600_000).default(1000),
        /**
         * An APPEND not continued or flushed for this long is abandoned: its work file is removed
         * (targets look every quarter of this, at most every 5 minutes).
         */
        abandoned_append_age_ms: z
          .number()
          .int()
          .min(1000)
          .max(7 * 24 * 3600 * 1000)
          .default(30 * 60_000),
      })
      .strict()
      .prefault({}),
    checksum: z
      .object({
        /** Checksum type of new buckets. */
        type: z
          .enum(checksumTypeNames as [ChecksumTypeName, ...ChecksumTypeName[]])
          .default('xxhash'),
      })
      .strict()
      .prefault({}),
    timeouts: z
      .object({
        /** Control-plane request timeout between nodes (metasync, registration, listing). */
        control_ms: z.number().int().min(100).max(600_000).default(10_000),
      })
      .strict()
      .prefault({}),
    rebalance: z
      .object({
        /** Membership changes that move objects (join, leave, maintenance) start a rebalance. */
        enabled: z.boolean().default(true),
        /** Objects a target sends (or a resilver moves) at the same time. */
        concurrency: z.number().int().min(1).max(256).default(8),
        /** Per-object transfer deadline between targets. */
        transfer_timeout_ms: z.number().int().min(1000).max(3_600_000).default(120_000),
        /**
         * How long a tombstone (a delete taken while a target was away from the map) waits for
         * that target to return; a target away longer may bring deleted objects back.
         */
        tombstone_retention_ms: z.number().int().min(60_000).max(2_592_000_000).default(86_400_000),
      })
      .strict()
      .prefault({}),
    downloader: z
      .object({
        /** Longest download of one object when the request gives no `timeout` (AIStore: 1h). */
        timeout_ms: z.number().int().min(1000).max(86_400_000).default(3_600_000),
        /** Objects a target downloads at once per job when the request sets no `limits.connections`. */
        workers: z.number().int().min(1).max(256).default(8),
        /** Attempts per object: network errors, timeouts and 5xx answers are retried; 4xx never. */
        max_attempts: z.number().int().min(1).max(10).default(3),
        /** Finished objects, and failed ones, a target remembers per job for its status. */
        max_task_records: z.number().int().min(0).max(1_000_000).default(10_000),
      })
      .strict()
      .prefault({}),
    get_batch: z
      .object({
        /**
         * Bytes of GetBatch items a target holds open and not yet passed on (its own answers'
         * items, the parts it streams to other targets, the archive job's objects), each counted
         * at its full size from when it opens until its bytes are written or it is dropped. At or
         * over it, a new GetBatch is refused with 429 and the batches in progress open no item
         * ahead of the one they write (a batch always makes progress).
         */
        max_inflight_bytes: z
          .number()
          .int()
          .min(1)
          .max(64 * 1024 * 1024 * 1024)
          .default(512 * 1024 * 1024),
      })
      .strict()
      .prefault({}),
    list_objects: z
      .object({
        /** Largest page a listing returns (AIStore: 10000 for ais buckets). */
        max_page_size: z.number().int().min(1).max(100_000).default(10_000),
      })
      .strict()
      .prefault({}),
    s3: z
      .object({
        /** Verify AWS Signature V4 on every S3 request; false only on a trusted network. */
        auth_enabled: z.boolean().default(true),
        /**
         * Domain for virtual-hosted-style requests (`<bucket>.<domain>`), like MinIO's
         * MINIO_DOMAIN; comma-separated for several. `localhost` works without DNS set-up because
         * `*.localhost` names resolve to the loopback address.
         */
        domain: z.string().max(1000).default('localhost'),
        /** Region reported by GetBucketLocation (signatures for any region are accepted). */
        region: z.string().min(1).max(64).default('us-east-1'),
        /** Smallest part of a multipart upload other than the last (S3: 5 MiB). */
        multipart_min_part_bytes: z
          .number()
          .int()
          .min(0)
          .max(5 * 1024 * 1024 * 1024)
          .default(5 * 1024 * 1024),
        /**
         * Multipart uploads older than this are removed by the chunk-set sweep each target runs
         * after start-up (with the chunk sets a crash left without an object).
         */
        abandoned_upload_age_ms: z
          .number()
          .int()
          .min(60_000)
          .default(7 * 24 * 3600 * 1000),
        /**
         * How often each target runs the `lifecycle` job while a bucket has S3 lifecycle rules
         * (rules count whole days: an hour is soon enough).
         */
        lifecycle_interval_ms: z.number().int().min(10_000).max(86_400_000).default(3_600_000),
        /** Largest difference between a request's signing time and ours (S3: 15 minutes). */
        max_clock_skew_ms: z.number().int().min(1000).max(86_400_000).default(900_000),
        /**
         * Every node answers S3, MinIO style: a target's public port takes bucket-level requests
         * too (proxied to a gateway, which verifies the signature again), so that clients spread
         * over all nodes reach every S3 operation at any of them. Object requests are answered by
         * targets either way (by the owner, or forwarded to it).
         */
        serve_on_targets: z.boolean().default(false),
        /**
         * SSE-KMS without an external KMS: the key IDs a request (or a bucket's default encryption)
         * may name. Each key is derived from the node's SSE master key and its ID (sse-master-key.ts),
         * so no key material is kept here; empty (the default): SSE-KMS answers 501.
         */
        kms: z
          .object({
            keys: z.array(z.string().regex(kmsKeyIdPattern)).max(1000).default([]),
            /** The key of `aws:kms` without a key ID; '' (default): the first of `keys`. */
            default_key: z.string().max(256).default(''),
          })
          .strict()
          .prefault({})
          .refine((kms) => new Set(kms.keys).size === kms.keys.length, {
            message: 's3.kms.keys must not repeat a key ID',
          })
          .refine((kms) => kms.default_key === '' || kms.keys.includes(kms.default_key), {
            message: 's3.kms.default_key must be one of s3.kms.keys',
          }),
      })
      .strict()
      .prefault({}),
    auth: z
      .object({
        /**
         * Check `Authorization: Bearer` tokens on the native API and S3 keys' owners' permissions
         * (AIStore's `auth.enabled`). Needs `secret`.
         */
        enabled: z.boolean().default(false),
        /** HMAC secret shared with the AuthN service (`cairn authn`): verifies tokens, signs redirects. */
        secret: z.string().max(1024).default(''),
        /** PEM public key verifying RS256 tokens, when the AuthN service signs with RSA. */
        public_key: z.string().max(16_384).default(''),
      })
      .strict()
      .prefault({})
      .refine((auth) => !auth.enabled || auth.secret.length >= 16, {
        message: 'auth.enabled needs auth.secret (at least 16 characters)',
      }),
    backend: z
      .object({
        /**
         * Named S3 endpoint profiles for `aws://` buckets (a bucket picks one with
         * `extra.aws.profile`; without it, the profile named `default` if any, else the SDK's own
         * defaults). Set as one JSON value: `backend.aws_profiles='{"local":{...}}'`.
         */
        aws_profiles: z
          .record(
            z.string().min(1).max(64),
            z
              .object({
                /** Endpoint URL; empty: AWS itself. */
                endpoint: z.string().max(1000).default(''),
                region: z.string().max(64).default('us-east-1'),
                /** Empty: the SDK's default credential chain. */
                access_key_id: z.string().max(256).default(''),
                secret_access_key: z.string().max(256).default(''),
                /** Path-style addressing (`host/bucket/key`), what most non-AWS servers want. */
                path_style: z.boolean().default(true),
              })
              .strict(),
          )
          .default({}),
        /**
         * Attached remote AIStore-compatible clusters (AIStore's `backend.conf`): `{"ais": {alias:
         * [url, ...]}}`. Edited by `PUT /v1/cluster/attach|detach?what=remote`.
         */
        conf: z
          .object({
            ais: z
              .record(remoteAliasSchema, z.array(z.string().url().max(1000)).min(1).max(16))
              .default({}),
          })
          .strict()
          .prefault({}),
        /**
         * The UUID each attached cluster had when it was attached, by alias: the namespace its
         * buckets have here (`ais://@<uuid>/b`; `@<alias>` is mapped to it on arrival).
         */
        remote_ais_uuids: z.record(remoteAliasSchema, z.string().min(1).max(128)).default({}),
        /** A backend connection, or a silence mid-answer, longer than this fails the request (504). */
        request_timeout_ms: z.number().int().min(100).max(3_600_000).default(30_000),
        /** Attempts per backend request (throttling and network errors are retried). */
        max_attempts: z.number().int().min(1).max(10).default(3),
        /** The longest wait a throttling remote's `Retry-After` may impose before a retry. */
        max_retry_after_ms: z.number().int().min(0).max(600_000).default(30_000),
      })
      .strict()
      .prefault({}),
    space: z
      .object({
        /** Used capacity (percent of a mountpath's file system) below which cleanup stops. */
        cleanupwm: z.number().int().min(1).max(100).default(65),
        /** An `lru` run evicts until every file system it looked at is below this. */
        lowwm: z.number().int().min(1).max(100).default(75),
        /** A file system above this starts an `lru` run on its target by itself. */
        highwm: z.number().int().min(1).max(100).default(90),
        /** AIStore's out-of-space mark (PUTs refused above it): kept and validated, not enforced yet. */
        out_of_space: z.number().int().min(1).max(100).default(95),
      })
      .strict()
      .refine(
        (space) =>
          space.cleanupwm <= space.lowwm &&
          space.lowwm <= space.highwm &&
          space.highwm <= space.out_of_space,
        { message: 'watermarks must satisfy cleanupwm <= lowwm <= highwm <= out_of_space' },
      )
      .prefault({}),
    periodic: z
      .object({
        /**
         * How often a target reads its disks' IO counters to compute their throughput, average IO
         * size and utilization (AIStore's `periodic.stats_time`, 10 s): the rates are over this.
         */
        stats_time_ms: z.number().int().min(100).max(600_000).default(10_000),
      })
      .strict()
      .prefault({}),
    lru: z
      .object({
        /**
         * How often a target looks at its mountpaths' capacity (AIStore's
         * `lru.capacity_upd_time`): a file system above `space.highwm` starts an `lru` run.
         */
        capacity_upd_time_ms: z.number().int().min(10_000).max(86_400_000).default(600_000),
      })
      .strict()
      .prefault({}),
    etl: z
      .object({
        /**
         * Local launchers for `runtime.image` names (an ETL with an image and no command runs the
         * image's argv; the user's program comes in its env, e.g. `ETL_MAIN`). Set as one JSON
         * value: `etl.runtimes='{"my/image":["python3","/opt/server.py"]}'`.
         */
        runtimes: z
          .record(z.string().min(1).max(256), z.array(z.string().max(4096)).min(1).max(256))
          .default({
            'cairn/python': ['sh', '-c', 'exec python3 -u "$ETL_MAIN"'],
            'cairn/node': ['sh', '-c', 'exec node "$ETL_MAIN"'],
          }),
        /** First wait before restarting a crashed transformer; doubles per crash in a row. */
        restart_backoff_ms: z.number().int().min(10).max(600_000).default(500),
        /** Longest wait between restarts. */
        restart_backoff_max_ms: z.number().int().min(10).max(3_600_000).default(10_000),
        /** Crashes in a row (no healthy run of a minute between them) before a target gives up. */
        max_restarts: z.number().int().min(0).max(1000).default(5),
        /** Per transformer process (ulimit): virtual memory in bytes, 0 = unlimited. */
        limit_memory_bytes: z.number().int().min(0).default(0),
        /** Per transformer process (ulimit): CPU seconds, 0 = unlimited. */
        limit_cpu_seconds: z.number().int().min(0).default(0),
        /** Per transformer process (ulimit): open files, 0 = inherited. */
        limit_open_files: z.number().int().min(0).max(1_048_576).default(0),
        /** Log bytes kept per transformer (the newest; `etl logs` returns them). */
        log_bytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(1024 * 1024),
        /** Failed objects remembered per ETL and target (`obj_errors`). */
        max_obj_errors: z.number().int().min(1).max(100_000).default(1000),
      })
      .strict()
      .prefault({}),
    /**
     * Rate limits new buckets start with (`rate_limit.frontend|backend.*`, AIStore's); a bucket's
     * own copy in its props is what applies to it.
     */
    rate_limit: rateLimitSchema.prefault({}),
  })
  .strict();

export type ClusterConfigValues = z.output<typeof clusterConfigSchema>;

/** Validates a full or partial cluster config, filling defaults. */
export function parseClusterConfig(raw: unknown): ClusterConfigValues {
  const parsed = clusterConfigSchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
    throw new StoreError('BadRequest', `invalid cluster config: ${issues.join('; ')}`);
  }
  return deepFreeze(parsed.data);
}

/** What a secret reads as where the config is shown: whether it is set, never its value. */
export const redactedSecret = '<redacted>';

/**
 * The config as nodes show it (`what=config`, to anyone with SHOW-CLUSTER): the AuthN secret
 * (which signs tokens and redirects) and the backend profiles' secret keys are redacted. They
 * are set with `set-config` and travel to nodes only over metasync.
 */
export function shownClusterConfig(values: ClusterConfigValues): ClusterConfigValues {
  const hide = (secret: string): string => (secret === '' ? '' : redactedSecret);
  type Profiles = ClusterConfigValues['backend']['aws_profiles'];
  const profiles: Profiles = {};
  for (const [name, profile] of Object.entries(values.backend.aws_profiles))
    profiles[name] = { ...profile, secret_access_key: hide(profile.secret_access_key) };
  return {
    ...values,
    auth: { ...values.auth, secret: hide(values.auth.secret) },
    backend: { ...values.backend, aws_profiles: profiles },
  };
}

/**
 * Applies `section.key=value` updates (from `set-config`) to a config, validating the result. A key
 * names a value by its path (`rate_limit.frontend.max_tokens` is three levels deep).
 */
export function updateClusterConfig(
  current: ClusterConfigValues,
  updates: Record<string, unknown>,
): ClusterConfigValues {
  const draft = structuredClone(current) as Record<string, unknown>;
  for (const [key, value] of Object.entries(updates)) {
    const path = key.split('.');
    const field = path.pop();
    let target: unknown = draft;
    for (const name of path)
      target = isSection(target) && name in target ? target[name] : undefined;
    if (path.length === 0 || field === undefined || !isSection(target) || !(field in target))
      throw new StoreError('BadRequest', `invalid cluster config key "${key}"`);
    target[field] = coerce(value, target[field]);
  }
  return parseClusterConfig(draft);
}

function isSection(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function coerce(value: unknown, previous: unknown): unknown {
  if (typeof value !== 'string') return value;
  // Map-valued keys (backend profiles) are set as one JSON document.
  if (typeof previous === 'object' && previous !== null) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      throw new StoreError('BadRequest', `invalid JSON value: ${value}`);
    }
  }
  if (typeof previous === 'number' && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  if (typeof previous === 'boolean' && (value === 'true' || value === 'false'))
    return value === 'true';
  return value;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) deepFreeze(item);
    Object.freeze(value);
  }
  return value;
}
