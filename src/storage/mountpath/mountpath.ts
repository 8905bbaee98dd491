// A mountpath: one directory (normally its own disk) where the target stores objects; its path is
// cleaned once so that its placement digest is stable across restarts.
import { resolve } from 'node:path';
import { invalidMountpath } from '../../errors/index.js';
import { mountpathDigest } from '../../placement/index.js';

/** A prepared mountpath, as the store and placement see it. */
export interface Mountpath {
  /** Absolute, cleaned path (no trailing slash, no `.` or `..`). */
  readonly path: string;
  /** `mountpathDigest(path)`: its weight input for HRW placement within the target. */
  readonly digest: bigint;
  /** Enabled mountpaths take new objects: HRW places objects among them only. */
  readonly enabled: boolean;
  /**
   * Set while a detach or disable waits for the resilver to move the objects off: the mountpath
   * takes no new objects (not enabled) but reads still find what it holds.
   */
  readonly leaving?: 'detach' | 'disable';
}

/** Reads look on enabled mountpaths and on those being drained. */
export function isReadable(mountpath: Mountpath): boolean {
  return mountpath.enabled || mountpath.leaving !== undefined;
}

/** Cleans each path and refuses duplicates and mountpaths nested in one another. */
export function cleanMountpaths(paths: readonly string[]): string[] {
  if (paths.length === 0) throw invalidMountpath('', 'a target needs at least one mountpath');
  const cleaned = paths.map((path) => {
    if (path.includes('\0')) throw invalidMountpath(path, 'contains a NUL character');
    return resolve(path);
  });
  for (const [index, path] of cleaned.entries()) {
    for (const other of cleaned.slice(index + 1)) {
      if (other === path) throw invalidMountpath(path, 'listed twice');
      if (isNested(path, other) || isNested(other, path)) {
        throw invalidMountpath(path, `nested with mountpath "${other}"`);
      }
    }
  }
  return cleaned;
}

/** The Mountpath record of a cleaned path. */
export function describeMountpath(
  path: string,
  enabled = true,
  leaving?: 'detach' | 'disable',
): Mountpath {
  const digest = mountpathDigest(path);
  return Object.freeze(
    leaving === undefined ? { path, digest, enabled } : { path, digest, enabled, leaving },
  );
}

function isNested(outer: string, inner: string): boolean {
  return inner.startsWith(outer.endsWith('/') ? outer : `${outer}/`);
}
