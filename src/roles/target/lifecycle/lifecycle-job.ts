// `lifecycle`: applies the S3 lifecycle rules of the buckets (all, or the one started with) to the
// versions and multipart uploads this target owns, at the time of the target's clock. Everything
// goes through the S3 delete path: an expired current version gets a delete marker in a bucket that
// keeps versions (removed elsewhere), a noncurrent version is deleted by its ID — a version under
// object lock is refused there and stays, counted as locked — and a delete marker left alone goes
// with `ExpiredObjectDeleteMarker`. Started on demand (`start`, kind `lifecycle`) or by the
// target's schedule (lifecycle-schedule.ts).
import {
  activeLifecycleRules,
  currentVersionExpiry,
  loneMarkerRule,
  noncurrentExpires,
  uploadAbortRule,
  type BucketEntry,
} from '../../../cluster/index.js';
import { isStoreError, StoreError } from '../../../errors/index.js';
import { Job, lifecycleJobKind, type JobDefinition } from '../../../jobs/index.js';
import type { ListedVersion, LocalStore, WritePrecondition } from '../../../storage/index.js';
import type { Logger } from '../../../util/log.js';
import type { BucketJson, LifecycleRuleJson } from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { ownerOf } from '../../common/s3-forwarding.js';

/** The lifecycle job's counters in the snapshot's stats. */
export const LifecycleCounter = {
  /** Current versions expired (a delete marker added, or removed where no versions are kept). */
  expired: 'lifecycle-expired-objs',
  noncurrentRemoved: 'lifecycle-noncurrent-removed',
  markersRemoved: 'lifecycle-delete-markers-removed',
  uploadsAborted: 'lifecycle-uploads-aborted',
  /** Versions due but kept by object lock (retention or legal hold). */
  locked: 'lifecycle-locked-kept',
  /** Deletes and aborts that failed (a disk error, say): the job goes on with the rest. */
  failed: 'lifecycle-errors',
} as const;

/** Failures logged one by one; the rest only counted (a failing mountpath fails every delete). */
const failuresLogged = 10;

/** What the job does to objects: the S3 object port's delete and abort (object lock applies). */
export interface LifecycleActions {
  /** `precondition`: see the S3 object port's delete (checked only without a version ID). */
  delete(
    bucket: string,
    key: string,
    versionId: string | undefined,
    precondition?: WritePrecondition,
  ): Promise<unknown>;
  abortUpload(bucket: string, key: string, uploadId: string): Promise<void>;
}

/** Names read per page of versions. */
const namesPerPage = 500;

class LifecycleJob extends Job {
  #log: Logger | undefined;
  #firstFailure: Error | undefined;

  constructor(
    id: string,
    bucket: BucketJson | undefined,
    private readonly runtime: NodeRuntime,
    private readonly store: LocalStore,
    private readonly actions: LifecycleActions,
  ) {
    super(id, lifecycleJobKind.name, bucket);
    for (const counter of Object.values(LifecycleCounter)) this.extraCounters[counter] = 0;
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    this.#log = log;
    const buckets = (this.runtime.store.bucketMetadata?.list('ais') ?? []).filter(
      (entry) =>
        (this.bucket === undefined || entry.bucket.name === this.bucket.name) &&
        entry.bucket.namespace === undefined &&
        activeLifecycleRules(entry.props).length > 0,
    );
    for (const entry of buckets) {
      if (signal.aborted) return;
      const rules = activeLifecycleRules(entry.props);
      await this.#versions(entry, rules, signal);
      if (rules.some((rule) => rule.abort_incomplete_upload_days > 0))
        await this.#uploads(entry, rules, signal);
      log.info('lifecycle: bucket done', { job: this.id, bucket: entry.bucket.name });
    }
    const counts = Object.entries(this.extraCounters).map(([name, value]) => `${name}=${value}`);
    this.controlMessage = `${buckets.length} bucket(s) with lifecycle rules; ${counts.join(' ')}`;
    // Every due object was tried; the job still reports that some could not be expired.
    const failed = this.extraCounters[LifecycleCounter.failed] ?? 0;
    const first = this.#firstFailure;
    if (first !== undefined) {
      const message = `${failed} lifecycle action(s) failed, the first: ${first.message}`;
      throw isStoreError(first)
        ? new StoreError(first.code, message)
        : new Error(message, { cause: first });
    }
  }

  /** Counts a failed delete or abort (logging the first few) so that the walk goes on. */
  #failed(key: string, error: unknown): void {
    const failed = (this.extraCounters[LifecycleCounter.failed] ?? 0) + 1;
    this.extraCounters[LifecycleCounter.failed] = failed;
    this.#firstFailure ??= error instanceof Error ? error : new Error(String(error));
    if (failed <= failuresLogged)
      this.#log?.warn('lifecycle: action failed', { job: this.id, key, error });
  }

  #owned(bucket: string, key: string): boolean {
    return ownerOf(this.runtime, bucket, key).id === this.runtime.id;
  }

  async #versions(
    entry: BucketEntry,
    rules: readonly LifecycleRuleJson[],
    signal: AbortSignal,
  ): Promise<void> {
    let startAfter = '';
    for (;;) {
      if (signal.aborted) return;
      const page = await this.store.listVersions(entry.bucket, {
        prefix: '',
        startAfter,
        limit: namesPerPage,
      });
      const byName = new Map<string, ListedVersion[]>();
      for (const version of page) {
        const group = byName.get(version.name) ?? [];
        group.push(version);
        byName.set(version.name, group);
      }
      for (const [name, versions] of byName) {
        if (signal.aborted) return;
        if (this.#owned(entry.bucket.name, name))
          await this.#applyToKey(entry.bucket.name, versions, rules);
      }
      if (byName.size < namesPerPage) return;
      startAfter = [...byName.keys()].at(-1) ?? '';
    }
  }

  /** One key's versions, newest first. */
  async #applyToKey(
    bucket: string,
    versions: readonly ListedVersion[],
    rules: readonly LifecycleRuleJson[],
  ): Promise<void> {
    const nowMs = this.runtime.clock.nowMs();
    const [current, ...older] = versions;
    if (current === undefined) return;
    let remaining = older.length;
    // Noncurrent versions: each stopped being current when the next newer one was written.
    for (const [index, version] of older.entries()) {
      const newer = versions[index] as ListedVersion;
      const ruleId = noncurrentExpires(
        rules,
        { subject: subjectOf(version), deleteMarker: version.deleteMarker === true },
        { newerNoncurrent: index, noncurrentSinceMs: newer.modifiedTimeMs, nowMs },
      );
      if (ruleId === undefined) continue;
      if (await this.#delete(bucket, version.name, version.versionId ?? 'null')) {
        this.#count(LifecycleCounter.noncurrentRemoved, version.size);
        remaining -= 1;
      }
    }
    if (current.deleteMarker === true) {
      if (remaining === 0 && loneMarkerRule(rules, current.name) !== undefined) {
        if (await this.#delete(bucket, current.name, current.versionId ?? 'null'))
          this.#count(LifecycleCounter.markersRemoved, 0);
      }
      return;
    }
    const expiry = currentVersionExpiry(rules, subjectOf(current), current.modifiedTimeMs);
    if (expiry !== undefined && nowMs >= expiry.atMs) {
      // No version ID: S3's delete of the current version (a marker where versions are kept).
      // Only of the version listed: one written since then has not expired.
      if (await this.#delete(bucket, current.name, undefined, stillCurrent(current)))
        this.#count(LifecycleCounter.expired, current.size);
    }
  }

  /**
   * Deletes; false when object lock kept it, it went or was replaced meanwhile, or the delete
   * failed (counted: one object that cannot be removed does not keep the rest from expiring).
   */
  async #delete(
    bucket: string,
    key: string,
    versionId: string | undefined,
    precondition?: WritePrecondition,
  ): Promise<boolean> {
    try {
      await this.actions.delete(bucket, key, versionId, precondition);
      return true;
    } catch (error) {
      if (!isStoreError(error)) {
        // A disk's error (EIO, EACCES) reaches here as it is.
        this.#failed(key, error);
        return false;
      }
      if (error.code === 'AccessDenied') {
        this.extraCounters[LifecycleCounter.locked] =
          (this.extraCounters[LifecycleCounter.locked] ?? 0) + 1;
        return false;
      }
      if (
        error.code === 'ObjectNotFound' ||
        error.code === 'NoSuchVersion' ||
        error.code === 'PreconditionFailed'
      )
        return false;
      this.#failed(key, error);
      return false;
    }
  }

  async #uploads(
    entry: BucketEntry,
    rules: readonly LifecycleRuleJson[],
    signal: AbortSignal,
  ): Promise<void> {
    const nowMs = this.runtime.clock.nowMs();
    const uploads = await this.store.uploads.listUploads(entry.bucket, {
      prefix: '',
      startAfter: '',
    });
    for (const upload of uploads) {
      if (signal.aborted) return;
      if (!this.#owned(entry.bucket.name, upload.name)) continue;
      if (uploadAbortRule(rules, upload.name, upload.createdMs, nowMs) === undefined) continue;
      try {
        await this.actions.abortUpload(entry.bucket.name, upload.name, upload.uploadId);
        this.#count(LifecycleCounter.uploadsAborted, 0);
      } catch (error) {
        // Completed or aborted meanwhile.
        if (!isStoreError(error) || error.code !== 'NoSuchUpload') this.#failed(upload.name, error);
      }
    }
  }

  #count(counter: string, bytes: number): void {
    this.extraCounters[counter] = (this.extraCounters[counter] ?? 0) + 1;
    this.counters.localObjects += 1;
    this.counters.localBytes += bytes;
  }
}

/** Refuses the delete unless the current object is still the version the listing saw. */
function stillCurrent(listed: ListedVersion): WritePrecondition {
  return (current) => {
    if (
      current === undefined ||
      current.versionId !== listed.versionId ||
      current.versionStamp !== listed.versionStamp ||
      current.version !== listed.version ||
      current.modifiedTimeMs !== listed.modifiedTimeMs
    )
      throw new StoreError('PreconditionFailed', `${listed.name}: replaced since it was listed`);
  };
}

function subjectOf(version: ListedVersion): {
  key: string;
  size: number;
  tags: Record<string, string>;
} {
  return { key: version.name, size: version.size, tags: version.tags };
}

/** The `lifecycle` kind on this target, bound to its store and S3 object path. */
export function lifecycleDefinition(
  runtime: NodeRuntime,
  store: LocalStore,
  actions: LifecycleActions,
): JobDefinition {
  return {
    kind: lifecycleJobKind,
    create: (request) => new LifecycleJob(request.id, request.bucket, runtime, store, actions),
  };
}
