// The protection job kinds (AIStore's names): `make-n-copies` sets every object's mirror copies,
// `ec-encode` erasure-codes (or completes the pieces of) every object a target owns, and `scrub`
// verifies every replica, copy and piece and repairs what it can.
import type { JobDefinition, JobKind, TargetJobEnvironment } from '../../jobs/index.js';
import { badRequest } from '../../errors/index.js';
import type { BucketJson, BucketPropsJson, StartJobRequestJson } from '../../wire/index.js';
import type { DataProtection } from '../data-protection.js';
import { EncodeBucketJob, MakeCopiesJob } from './copies-and-encode-jobs.js';
import { ScrubJob } from './scrub-job.js';

export const makeCopiesKind: JobKind = {
  name: 'make-n-copies',
  startable: true,
  bucketScoped: true,
  exclusive: true,
};
export const encodeBucketKind: JobKind = {
  name: 'ec-encode',
  startable: true,
  bucketScoped: true,
  exclusive: true,
};
export const scrubKind: JobKind = {
  name: 'scrub',
  startable: true,
  bucketScoped: true,
  exclusive: true,
};

/** Kinds only (what a gateway needs to accept a start request). */
export const protectionJobKinds: readonly JobKind[] = [makeCopiesKind, encodeBucketKind, scrubKind];

/** The kinds with their per-target factories, bound to this target's protection. */
export function protectionJobDefinitions(protection: DataProtection): JobDefinition[] {
  return [
    {
      kind: makeCopiesKind,
      create(request, environment) {
        const { bucket, props } = bucketOf(request, environment);
        const copies = copiesOf(request.args, props);
        return new MakeCopiesJob(request.id, bucket, copies, protection, () =>
          currentProps(environment, bucket),
        );
      },
    },
    {
      kind: encodeBucketKind,
      create(request, environment) {
        const { bucket, props } = bucketOf(request, environment);
        if (!props.ec.enabled) throw badRequest(`ec-encode: erasure coding is not enabled`);
        return new EncodeBucketJob(request.id, bucket, protection, () =>
          currentProps(environment, bucket),
        );
      },
    },
    {
      kind: scrubKind,
      create(request, environment) {
        const { bucket } = bucketOf(request, environment);
        return new ScrubJob(request.id, bucket, protection, environment, () =>
          currentProps(environment, bucket),
        );
      },
    },
  ];
}

function bucketOf(
  request: StartJobRequestJson,
  environment: TargetJobEnvironment,
): { bucket: BucketJson; props: BucketPropsJson } {
  if (request.bucket === undefined) throw badRequest(`job kind "${request.kind}" needs a bucket`);
  return { bucket: request.bucket, props: currentProps(environment, request.bucket) };
}

/** The bucket's properties now (they may change while a job runs; a destroyed bucket aborts it). */
function currentProps(environment: TargetJobEnvironment, bucket: BucketJson): BucketPropsJson {
  const entry = environment.bucketMetadata()?.get(bucket);
  if (entry === undefined) throw badRequest(`bucket ${bucket.name} does not exist`);
  return entry.props;
}

/** `make-n-copies` carries the count as its value (AIStore); otherwise the bucket's setting. */
function copiesOf(args: unknown, props: BucketPropsJson): number {
  const value = typeof args === 'string' ? Number(args) : args;
  if (value === undefined || value === null) return props.mirror.enabled ? props.mirror.copies : 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 32) {
    throw badRequest(`make-n-copies: copies must be an integer from 1 to 32, got ${String(args)}`);
  }
  return value;
}
