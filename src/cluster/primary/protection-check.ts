// Whether the cluster can honour a bucket's data protection: erasure coding needs D+P+1 active
// targets, and n-way mirroring needs n mountpaths on every target. Checked by the primary when the
// properties are set (a cluster that shrinks later degrades protection; scrub reports it).
import type { IntraClient } from '../../transport/index.js';
import { apiPath, Query, Resource, What, type BucketPropsJson } from '../../wire/index.js';
import { invalidProps } from '../metadata/bucket-props.js';
import type { ClusterMap } from '../metadata/cluster-map.js';

/** Refuses `next` when the cluster cannot satisfy a protection setting that changed from `previous`. */
export async function checkProtectionFeasible(
  previous: BucketPropsJson | undefined,
  next: BucketPropsJson,
  map: ClusterMap,
  client: IntraClient,
  timeoutMs: number,
): Promise<void> {
  const targets = map.activeTargets();
  const ec = next.ec;
  const ecChanged = JSON.stringify(previous?.ec) !== JSON.stringify(ec);
  if (ec.enabled && ecChanged) {
    const needed = ec.data_slices + ec.parity_slices + 1;
    if (targets.length < needed) {
      throw invalidProps(
        `erasure coding ${ec.data_slices}+${ec.parity_slices} needs at least ${needed} targets ` +
          `(data slices + parity slices + 1), the cluster has ${targets.length}`,
      );
    }
  }
  const mirror = next.mirror;
  const mirrorChanged = JSON.stringify(previous?.mirror) !== JSON.stringify(mirror);
  if (!mirror.enabled || mirror.copies <= 1 || !mirrorChanged) return;
  const path = `${apiPath(Resource.daemon)}?${Query.what}=${What.mountpaths}`;
  for (const target of targets) {
    const answer = (await client.requestJson(`${target.intraUrl}${path}`, {
      method: 'GET',
      timeoutMs,
    })) as { available?: unknown };
    const count = Array.isArray(answer.available) ? answer.available.length : 0;
    if (count < mirror.copies) {
      throw invalidProps(
        `mirror.copies ${mirror.copies} exceeds the ${count} mountpath(s) of target t[${target.id}]`,
      );
    }
  }
}
