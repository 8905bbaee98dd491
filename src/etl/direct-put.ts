// AIStore's direct put for offline transforms (`coi.do`): when the destination name's owner is
// another target, the transformer is told that owner (last in `Ais-Node-Url`) and may PUT its
// output there itself, under `AIS_TARGET_URL`'s path, answering 204: the bytes then cross to their
// owner once instead of coming back through the source's target.
import { objectUname, Query, type BucketJson } from '../wire/index.js';
import type { EtlSpec } from './etl-spec.js';

/** A direct put's destination: the owning target and the `Ais-Node-Url` entry naming it. */
export interface DirectPut {
  targetId: string;
  url: string;
}

/**
 * The destination's owner as `<its intra-data URL>/<path-escaped uname>[?uuid=<job>]`, when the ETL
 * declared `support_direct_put` and the owner is another target (`remoteOwner` answers it, none
 * for this one). io:// runs no server that could send it.
 */
export function directPutDestination(
  spec: EtlSpec,
  destination: { bucket: BucketJson; name: string } | undefined,
  jobId: string | undefined,
  remoteOwner: (bucket: BucketJson, name: string) => { id: string; dataUrl: string } | undefined,
): DirectPut | undefined {
  if (!spec.supportDirectPut || spec.communication === 'io' || destination === undefined)
    return undefined;
  const owner = remoteOwner(destination.bucket, destination.name);
  if (owner === undefined) return undefined;
  const uname = encodeURIComponent(objectUname(destination.bucket, destination.name));
  const query =
    jobId === undefined ? '' : `?${new URLSearchParams({ [Query.uuid]: jobId }).toString()}`;
  return { targetId: owner.id, url: `${owner.dataUrl}/${uname}${query}` };
}
