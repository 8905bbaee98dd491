// The mountpath ownership marker `.cairn.mountpath.json`: which node a mountpath belongs to, so a
// disk moved to (or shared by mistake with) another node is not silently mixed into its data.
import { invalidMountpath } from '../../errors/index.js';
import { asRecord, parseJson } from '../../util/json.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { isMissing, type Disk } from '../io/index.js';
import { ownershipMarkerPath } from '../layout/index.js';

/** Marker format written today; any other version is refused rather than guessed at. */
export const ownershipMarkerFormatVersion = 1;

/** The marker's content. */
export interface OwnershipMarker {
  formatVersion: number;
  nodeId: string;
}

/**
 * Writes the marker on first use, or checks that the existing one names `nodeId`. Throws
 * `invalidMountpath` when another node owns the mountpath or the marker cannot be understood.
 */
export async function claimMountpath(disk: Disk, mountpath: string, nodeId: string): Promise<void> {
  const path = ownershipMarkerPath(mountpath);
  let text: string;
  try {
    text = await disk.readFile(path, 'utf8');
  } catch (error) {
    if (!isMissing(error)) throw error;
    const marker: OwnershipMarker = { formatVersion: ownershipMarkerFormatVersion, nodeId };
    await writeFileAtomically(path, `${JSON.stringify(marker)}\n`, disk);
    return;
  }
  const owner = parseMarker(mountpath, text);
  if (owner.nodeId !== nodeId) {
    throw invalidMountpath(
      mountpath,
      `it belongs to node "${owner.nodeId}", not to this node "${nodeId}" (see ${path})`,
    );
  }
}

function parseMarker(mountpath: string, text: string): OwnershipMarker {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    throw invalidMountpath(mountpath, 'its ownership marker is not valid JSON', { cause: error });
  }
  const record = asRecord(value);
  const formatVersion = record?.['formatVersion'];
  const nodeId = record?.['nodeId'];
  if (formatVersion !== ownershipMarkerFormatVersion) {
    throw invalidMountpath(mountpath, `unknown ownership marker format ${String(formatVersion)}`);
  }
  if (typeof nodeId !== 'string' || nodeId === '') {
    throw invalidMountpath(mountpath, 'its ownership marker names no node');
  }
  return { formatVersion, nodeId };
}

/** Whether the mountpath still holds its marker: false when its disk or folder is gone. */
export async function mountpathPresent(disk: Disk, mountpath: string): Promise<boolean> {
  try {
    await disk.access(ownershipMarkerPath(mountpath));
    return true;
  } catch {
    return false;
  }
}
