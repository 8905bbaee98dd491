// The volume record `<node dir>/mountpaths.json`: the target's mountpaths as changed at run time
// (attached, detached, enabled, disabled), and whether a resilver is still owed. The command line
// gives the initial set; once the record exists it wins, so a detached mountpath stays detached
// and a disabled one stays disabled across restarts. See docs/formats/volume-record.md.
import { invalidMountpath } from '../../errors/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { asRecord, parseJson } from '../../util/json.js';
import { isMissing, type Disk } from '../io/index.js';

export const volumeRecordFormatVersion = 1;

/** A mountpath's state: enabled; draining before a detach or disable; disabled. */
export type MountpathState = 'enabled' | 'detaching' | 'disabling' | 'disabled';

export interface VolumeRecord {
  format_version: number;
  mountpaths: Array<{ path: string; state: MountpathState }>;
  /** Paths detached at run time: not used again even if the command line still lists them. */
  detached: string[];
  /** A resilver started and has not finished: the next start resumes it. */
  resilver_pending: boolean;
}

const states: readonly MountpathState[] = ['enabled', 'detaching', 'disabling', 'disabled'];

/** Reads the record; undefined when the node has none yet. */
export async function readVolumeRecord(
  disk: Disk,
  path: string,
): Promise<VolumeRecord | undefined> {
  let text: string;
  try {
    text = await disk.readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  let record: Record<string, unknown> | undefined;
  try {
    record = asRecord(parseJson(text));
  } catch (error) {
    throw invalidMountpath(path, 'the volume record is not valid JSON', { cause: error });
  }
  if (record?.format_version !== volumeRecordFormatVersion)
    throw invalidMountpath(path, `unknown volume record format ${String(record?.format_version)}`);
  const mountpaths = Array.isArray(record.mountpaths) ? record.mountpaths : [];
  return {
    format_version: volumeRecordFormatVersion,
    mountpaths: mountpaths.map((entry: unknown) => {
      const item = asRecord(entry);
      const state = item?.state as MountpathState;
      if (typeof item?.path !== 'string' || !states.includes(state))
        throw invalidMountpath(path, 'the volume record lists a malformed mountpath');
      return { path: item.path, state };
    }),
    detached: Array.isArray(record.detached)
      ? record.detached.filter((item): item is string => typeof item === 'string')
      : [],
    resilver_pending: record.resilver_pending === true,
  };
}

export async function writeVolumeRecord(
  disk: Disk,
  path: string,
  record: VolumeRecord,
): Promise<void> {
  await writeFileAtomically(path, `${JSON.stringify(record, null, 2)}\n`, disk);
}

/**
 * The mountpaths to open: the record's (in its order and states), then configured paths it does
 * not know and that were not detached (a disk added to the command line), enabled.
 */
export function resolveVolume(
  configured: readonly string[],
  record: VolumeRecord | undefined,
): Array<{ path: string; state: MountpathState }> {
  if (record === undefined) return configured.map((path) => ({ path, state: 'enabled' }));
  const known = new Set([...record.mountpaths.map((entry) => entry.path), ...record.detached]);
  return [
    ...record.mountpaths,
    ...configured
      .filter((path) => !known.has(path))
      .map((path) => ({ path, state: 'enabled' as const })),
  ];
}
