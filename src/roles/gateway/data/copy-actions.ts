// `copy-bck` / `etl-bck` (`POST /v1/buckets/<src>?bck_to=<uname>` with a TCBMsg) and
// `copy-listrange` / `etl-listrange` (a TCOMsg naming `tobck`) on the primary: AIStore's checks (a
// destination, not the source itself unless a dry run, no remote source objects outside the
// cluster, a running ETL), the destination ais:// bucket created with the source's props when
// missing and destroyed again if the job fails or is aborted, then the job on every target. The
// answer is the job ID as plain text.
import { isRemoteBucket } from '../../../backends/index.js';
import type { ClusterOwner } from '../../../cluster/index.js';
import { badRequest, isStoreError, notImplemented } from '../../../errors/index.js';
import { checkEtlJob, parseEtlJobOptions } from '../../../etl/index.js';
import { bucketKeyOf, parseCopyMessage, type CopyKind } from '../../../jobs/index.js';
import {
  Action,
  bucketDisplayName,
  parseBucketUname,
  Query,
  type ActionMessage,
  type BucketJson,
  type BucketPropsJson,
  type BucketPropsUpdateJson,
} from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { JobCoordinator } from '../job-coordinator.js';

/** `presence` values that ask only for what is in the cluster (AIStore's `apc.FltPresent*`). */
const presentValues: readonly string[] = ['', '2', '3', '4'];

const copyKinds: Readonly<Record<string, CopyKind>> = {
  [Action.copyBucket]: 'copy-bck',
  [Action.copyListRange]: 'copy-listrange',
  [Action.etlBucket]: 'etl-bck',
  [Action.etlListRange]: 'etl-listrange',
};

/** A copy or transform of a bucket or of listed objects (the actions `startCopy` runs). */
export function isCopyAction(action: string): boolean {
  return Object.hasOwn(copyKinds, action);
}

export async function startCopy(
  runtime: NodeRuntime,
  owner: ClusterOwner,
  jobs: JobCoordinator,
  source: BucketJson,
  message: ActionMessage,
  query: URLSearchParams,
): Promise<string> {
  const kind = copyKinds[message.action];
  if (kind === undefined) throw badRequest(`invalid copy action "${message.action}"`);
  const bucketKind = kind === 'copy-bck' || kind === 'etl-bck';
  const to = bucketKind ? bucketTo(query, kind) : undefined;
  const args = parseCopyMessage(message.value, kind, to);
  if (kind === 'etl-bck' || kind === 'etl-listrange')
    checkEtlJob(runtime.store.etl, parseEtlJobOptions(message.value, kind));
  const { props } = lookupBucket(runtime, source);
  const remoteSource = isRemoteBucket(source);
  if (remoteSource && !presentValues.includes(query.get(Query.presence) ?? ''))
    throw notImplemented(`${kind} of a remote bucket's objects that are not in the cluster`);
  if (remoteSource && args.synchronize)
    throw notImplemented(`${kind} "synchronize" from a remote bucket`);
  if (remoteSource && args.latestVersion)
    throw notImplemented(`${kind} "latest-ver" (re-validating remote versions while copying)`);
  if (isRemoteBucket(args.to))
    throw notImplemented(`${kind} into a remote bucket (${bucketDisplayName(args.to)})`);
  if (bucketKeyOf(args.to) === bucketKeyOf(source) && !args.dryRun && !remoteSource)
    throw badRequest(`cannot copy ${bucketDisplayName(source)} onto itself`);
  const created = args.dryRun ? false : await createMissing(runtime, owner, args.to, props);
  const value = { ...(message.value as object | null), tobck: args.to };
  let id: string;
  try {
    // A failed or aborted job's targets have the bucket it created destroyed before they report
    // its end (a retry after the end must not lose its bucket to a late destroy).
    id = await jobs.start(kind, source, value, {
      idPrefix: bucketKind ? '' : 'tco-',
      ...(created ? { createdBucket: args.to } : {}),
    });
  } catch (error) {
    if (created) await owner.destroyBucket(args.to);
    throw error;
  }
  return id;
}

/** The destination of a bucket-to-bucket action (`?bck_to=<uname with its trailing slash>`). */
export function bucketTo(query: URLSearchParams, kind: string): BucketJson {
  const uname = query.get(Query.bucketTo) ?? '';
  if (uname === '') throw badRequest(`${kind}: missing destination bucket ("${Query.bucketTo}")`);
  const parsed = parseBucketUname(uname);
  if (typeof parsed === 'string') throw badRequest(`${kind}: ${parsed}`);
  return parsed;
}

/** Creates `to` with `props` (the source's) unless it exists; says whether it did. */
export async function createMissing(
  runtime: NodeRuntime,
  owner: ClusterOwner,
  to: BucketJson,
  props: BucketPropsJson,
): Promise<boolean> {
  try {
    lookupBucket(runtime, to);
    return false;
  } catch (error) {
    if (!isStoreError(error) || error.code !== 'BucketNotFound') throw error;
  }
  const cloned: BucketPropsUpdateJson = {
    checksum: props.checksum,
    versioning: props.versioning,
    mirror: props.mirror,
    ec: props.ec,
    lru: props.lru,
    write_policy: props.write_policy,
    access: props.access,
  };
  await owner.createBucket(to, cloned);
  return true;
}
