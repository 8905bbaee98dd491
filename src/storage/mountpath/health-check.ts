// The health check of a mountpath suspected of a disk fault: stat its root, read its ownership
// marker, and write, fsync, read back and remove a probe file (in the trash, so that a crash leaves
// nothing new behind: start-up empties the trash). Only disk faults count: a full disk (ENOSPC) is
// not a failing one.
import { isDiskFault, type Disk } from '../io/index.js';
import { ownershipMarkerPath, trashDirectory, trashEntryPath } from '../layout/index.js';

const probeBytes = 4096;

/** The disk fault the check met, or undefined when the mountpath reads and writes. */
export async function checkMountpath(
  disk: Disk,
  mountpath: string,
  nowMs: number,
): Promise<unknown> {
  const steps = [
    () => disk.stat(mountpath),
    () => disk.readFile(ownershipMarkerPath(mountpath)),
    () => writeAndReadBack(disk, mountpath, nowMs),
  ];
  for (const step of steps) {
    try {
      await step();
    } catch (error) {
      if (isDiskFault(error)) return error;
    }
  }
  return undefined;
}

async function writeAndReadBack(disk: Disk, mountpath: string, nowMs: number): Promise<void> {
  await disk.mkdir(trashDirectory(mountpath), { recursive: true });
  const path = trashEntryPath(mountpath, nowMs);
  const data = Buffer.alloc(probeBytes, 0x5a);
  const file = await disk.open(path, 'wx');
  try {
    await file.write(data, 0, data.length, 0);
    await file.sync();
    const back = Buffer.alloc(probeBytes);
    await file.read(back, 0, back.length, 0);
    if (!back.equals(data)) {
      throw Object.assign(new Error(`EIO: probe ${path} read back other bytes`), { code: 'EIO' });
    }
  } finally {
    await file.close();
    await disk.unlink(path).catch(() => undefined);
  }
}
