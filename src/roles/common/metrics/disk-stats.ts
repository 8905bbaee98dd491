// Per-disk IO counters from the kernel's /proc/diskstats, read when metrics are scraped (never on
// the request path), as AIStore reads its `disk_*` figures: bytes read and written and time spent
// doing IO, for the block device under each mountpath. A mountpath on a file system with no block
// device (tmpfs, overlay: device major 0) has no line there and gets no series.
import { readFile } from 'node:fs/promises';

/** The cumulative counters of one block device. */
export interface DiskCounters {
  /** The kernel's name for it (`vda`, `nvme0n1p2`). */
  name: string;
  /** Reads and writes completed (their average size is bytes over these). */
  reads: number;
  writes: number;
  readBytes: number;
  writeBytes: number;
  /** Time the device had IO in flight (its utilization is the rate of this). */
  ioSeconds: number;
}

/** /proc/diskstats counts sectors of 512 bytes, whatever the device's own sector size. */
const sectorBytes = 512;

/** Counters by device number `major:minor`; empty where /proc/diskstats cannot be read. */
export async function readDiskStats(path = '/proc/diskstats'): Promise<Map<string, DiskCounters>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return new Map();
  }
  return parseDiskStats(text);
}

export function parseDiskStats(text: string): Map<string, DiskCounters> {
  const devices = new Map<string, DiskCounters>();
  for (const line of text.split('\n')) {
    // major minor name reads merged sectors-read ms-reading writes merged sectors-written
    // ms-writing in-flight ms-doing-io ...
    const fields = line.trim().split(/\s+/);
    if (fields.length < 13) continue;
    const [major, minor, name] = fields;
    const reads = Number(fields[3]);
    const sectorsRead = Number(fields[5]);
    const writes = Number(fields[7]);
    const sectorsWritten = Number(fields[9]);
    const ioMs = Number(fields[12]);
    if (![reads, sectorsRead, writes, sectorsWritten, ioMs].every(Number.isFinite)) continue;
    devices.set(`${major}:${minor}`, {
      name: name ?? '',
      reads,
      writes,
      readBytes: sectorsRead * sectorBytes,
      writeBytes: sectorsWritten * sectorBytes,
      ioSeconds: ioMs / 1000,
    });
  }
  return devices;
}

/** `major:minor` of a device ID as `stat` gives it (Linux's encoding of dev_t). */
export function deviceNumbers(dev: number): string {
  const id = BigInt(dev);
  const major = ((id >> 8n) & 0xfffn) | ((id >> 32n) & ~0xfffn);
  const minor = (id & 0xffn) | ((id >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}
