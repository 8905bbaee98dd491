// Checks what the targets store on disk against HRW placement: every object file must sit on its
// owner target (under the current cluster map) and on that target's home mountpath, exactly once.
import { stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { highestRandomWeight, mountpathDigest, objectDigest } from '../../src/placement/index.js';
import { objectUname, type BucketJson, type ClusterMapJson } from '../../src/sdk/index.js';
import { PlacementMap } from '../../src/sdk/index.js';
import { parseJsonWithDigests } from '../../src/sdk/cluster-map.js';
import { findFiles } from './disk.js';
import type { NodeProcess } from './node-process.js';

export interface PlacementReport {
  /** Object names found on disk, with where they are. */
  locations: Map<string, string[]>;
  /** `name @ target:mountpath (owner ...)` for every copy not where HRW puts it. */
  misplaced: string[];
  /** Names stored more than once. */
  duplicates: string[];
}

interface MountpathList {
  available: string[];
  waiting_dd: string[];
  disabled: string[];
}

/** Every mountpath directory a target process may hold data in (configured and attached ones). */
async function mountpathsOf(target: NodeProcess): Promise<string[]> {
  const paths = new Set(target.spec.mountpaths);
  if (target.running) {
    const response = await fetch(`${target.publicUrl}/v1/daemon?what=mountpaths`);
    const list = (await response.json()) as MountpathList;
    for (const path of [...list.available, ...list.waiting_dd, ...list.disabled]) paths.add(path);
  }
  return [...paths];
}

async function enabledMountpaths(target: NodeProcess): Promise<string[]> {
  const response = await fetch(`${target.publicUrl}/v1/daemon?what=mountpaths`);
  return ((await response.json()) as MountpathList).available;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Scans every target process's mountpaths (configured ones, detached or not, and attached ones)
 * for objects of `bucket` and reports misplaced and duplicated copies.
 */
export async function checkPlacement(
  map: ClusterMapJson,
  targets: readonly NodeProcess[],
  bucket: BucketJson,
): Promise<PlacementReport> {
  const placement = new PlacementMap(map);
  const report: PlacementReport = { locations: new Map(), misplaced: [], duplicates: [] };
  for (const target of targets) {
    const id = target.ready?.id ?? '?';
    const enabled =
      map.tmap[id] !== undefined && target.running ? await enabledMountpaths(target) : [];
    for (const mountpath of await mountpathsOf(target)) {
      const bucketDir = join(mountpath, `@${bucket.provider}`, bucket.name);
      const root = join(bucketDir, '%ob');
      if (!(await exists(root))) continue;
      for (const file of await findFiles(bucketDir, '%ob')) {
        const name = relative(root, file);
        const where = `${id}:${mountpath}`;
        report.locations.set(name, [...(report.locations.get(name) ?? []), where]);
        const owner = placement.owner(bucket, name)?.daemon_id;
        const digest = objectDigest(objectUname(bucket, name));
        const home = highestRandomWeight(
          digest,
          enabled.map((path) => ({ path, digest: mountpathDigest(path) })),
        )?.path;
        if (owner !== id || home !== mountpath)
          report.misplaced.push(`${name} @ ${where} (owner ${owner ?? '-'}:${home ?? '-'})`);
      }
    }
  }
  for (const [name, where] of report.locations) if (where.length > 1) report.duplicates.push(name);
  return report;
}

/** The cluster map as gateway `url` serves it (digests kept exact). */
export async function fetchClusterMap(url: string): Promise<ClusterMapJson> {
  const response = await fetch(`${url}/v1/daemon?what=smap`, { signal: AbortSignal.timeout(5000) });
  return parseJsonWithDigests(await response.text()) as ClusterMapJson;
}
