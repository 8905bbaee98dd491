// The list-objects flags (`LsoMsg.flags`, a uint64 in a decimal string) and what each does to a
// listing of an ais bucket (remote buckets' Cached/NotCached are the remote listing's, in
// backends/remote-listing.ts). As in AIStore: every object of an ais bucket
// is in the cluster, so `cached` lists them all (and changes only the default properties),
// `not-cached` is a 400, and the remote-bucket flags (bucket present, do not HEAD or add the remote
// bucket) ask for what is already so; `deleted` is a flag AIStore defines and never reads; `missing`
// (copies whose main replica is missing) adds nothing, since a Cairn listing already lists each
// object once wherever its replicas are. Features not built are refused with 501.
import { isRemoteBucket, listsCachedOnly } from '../../../backends/index.js';
import { badRequest, notImplemented } from '../../../errors/index.js';
import { bucketDisplayName, ListFlag, type BucketJson } from '../../../wire/index.js';

/** Parses the flags; 400 unless a non-negative integer. */
export function listFlagsOf(flags: string | undefined): bigint {
  try {
    const value = BigInt(flags === undefined || flags === '' ? '0' : flags);
    if (value >= 0n) return value;
  } catch {
    // refused below
  }
  throw badRequest(`invalid list flags "${String(flags)}"`);
}

/** Flags the remote listing (backends/remote-listing.ts) does not serve yet. */
const remoteListingUnbuilt: ReadonlyArray<[bigint, string]> = [
  [ListFlag.noRecursion, 'NoRecursion'],
  [ListFlag.archDir, 'ArchDir'],
  [ListFlag.noDirs, 'NoDirs'],
];

function has(flags: bigint, flag: bigint): boolean {
  return (flags & flag) !== 0n;
}

/** Refuses what a listing of `bucket` cannot do, with AIStore's messages (`ais/plstcx.go`). */
export function checkListFlags(bucket: BucketJson, flags: bigint): void {
  const name = bucketDisplayName(bucket);
  if (has(flags, ListFlag.nativeInventory))
    throw notImplemented('list flag NBI (listing through a native bucket inventory)');
  if (isRemoteBucket(bucket)) {
    // NotCached, Cached and Diff are served by the remote listing (docs/remote-buckets.md); a
    // listing of what the cluster holds (Cached, and ht:// always) goes through the targets, which
    // serve the rest. The remote listing does not roll up directories or open shards.
    if (listsCachedOnly({ flags: String(flags) }, bucket)) return;
    for (const [flag, label] of remoteListingUnbuilt) {
      if (has(flags, flag))
        throw notImplemented(
          `list flag ${label} on a remote bucket's listing (${name}; with Cached, what the cluster holds)`,
        );
    }
    return;
  }
  if (has(flags, ListFlag.diff)) {
    throw badRequest(
      `cannot perform remote versions check (or diff vs remote bucket): bucket ${name} does not provide remote versioning info`,
    );
  }
  if (has(flags, ListFlag.notCached))
    throw badRequest(`${name} is not a remote bucket - cannot list 'not cached' objects`);
}
