// CPU time and resident memory of a process group (a transformer and its children), from /proc.
import { readdir, readFile } from 'node:fs/promises';

/** Linux reports CPU time in clock ticks (USER_HZ, 100 on every supported platform). */
const ticksPerSecond = 100;
const pageBytes = 4096;

export interface GroupUsage {
  cpuSeconds: number;
  rssBytes: number;
}

/** Sums over the processes whose process group is `groupId` (0 and 0 when none, or no /proc). */
export async function groupUsage(groupId: number): Promise<GroupUsage> {
  const usage = { cpuSeconds: 0, rssBytes: 0 };
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return usage;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    // Fields after the command name (which may hold spaces), from field 3 (state) on.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== groupId) continue;
    usage.cpuSeconds += (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
    usage.rssBytes += Number(fields[21]) * pageBytes;
  }
  return usage;
}
