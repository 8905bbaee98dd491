// Micro-benchmarks on one core: HRW placement decisions/s, each hashing the name and choosing its
// owner (against the native XXH64 of the name alone), and checksum MiB/s for each checksum type
// (against a C tool hashing the same bytes from the page cache, where Debian has one).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { hashBuffer } from '../src/checksum/index.js';
import { nodeDigest, objectDigest, PlacementTable } from '../src/placement/index.js';
import { checksumTypeNames, type ChecksumTypeName } from '../src/wire/index.js';
import { runTool } from './lib/processes.js';
import { publish, type ResultRow } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';

const measureMs = Number(process.env['BENCH_MICRO_MS'] ?? 1500);

/** Calls `step` in batches until `measureMs` passed; returns calls per second. */
function rate(step: (iteration: number) => void): number {
  for (let warm = 0; warm < 2000; warm += 1) step(warm);
  let calls = 0;
  const started = performance.now();
  while (performance.now() - started < measureMs) {
    for (let batch = 0; batch < 1000; batch += 1) step(calls + batch);
    calls += 1000;
  }
  return calls / ((performance.now() - started) / 1000);
}

function placementRows(): ResultRow[] {
  const names = Array.from({ length: 4096 }, (_, index) => `ais/@#/bench/shard-${index}.tar`);
  const hashOnly = rate((iteration) => objectDigest(names[iteration % names.length] as string));
  return [3, 10, 100, 1000].map((count) => {
    // As a cluster map holds them: the table is built once per map version.
    const targets = new PlacementTable(
      Array.from({ length: count }, (_, index) => ({ digest: nodeDigest(`t${index}`) })),
    );
    const decisions = rate((iteration) => targets.owner(names[iteration % names.length] as string));
    return {
      workload: `HRW decision, ${count} targets`,
      subject: 'Cairn placement',
      yardstick: 'name hash alone',
      unit: 'decisions/s',
      subjectValue: decisions,
      yardstickValue: hashOnly,
    };
  });
}

/** Debian tools that compute the same digest, for the yardstick. */
const tools: Partial<Record<ChecksumTypeName, { command: string; args: string[] }>> = {
  xxhash: { command: 'xxhsum', args: ['-H1'] },
  md5: { command: 'md5sum', args: [] },
  sha256: { command: 'openssl', args: ['dgst', '-sha512-256'] },
  sha512: { command: 'sha512sum', args: [] },
};

async function checksumRows(dir: string): Promise<ResultRow[]> {
  const buffer = Buffer.alloc(64 * 1024 * 1024, 0xa5);
  const file = join(dir, 'data');
  await writeFile(file, buffer);
  const rows: ResultRow[] = [];
  for (const type of checksumTypeNames.filter((name) => name !== 'none')) {
    const chunk = buffer.subarray(0, 1024 * 1024);
    const mibPerSecond = rate(() => hashBuffer(type, chunk)); // one call hashes 1 MiB
    const tool = tools[type];
    let toolMibPerSecond: number | undefined;
    if (tool !== undefined) {
      const started = performance.now();
      const result = await runTool(tool.command, [...tool.args, file, file, file, file]);
      const seconds = (performance.now() - started) / 1000;
      toolMibPerSecond = result.code === 0 ? (4 * buffer.length) / 1024 ** 2 / seconds : undefined;
    }
    rows.push({
      workload: `checksum ${type}, 1 MiB buffers`,
      subject: 'Cairn checksum',
      yardstick: tool === undefined ? '-' : `${tool.command} ${tool.args.join(' ')}`.trim(),
      unit: 'MiB/s/core',
      subjectValue: mibPerSecond,
      yardstickValue: toolMibPerSecond,
    });
  }
  return rows;
}

async function main(): Promise<void> {
  const rows = placementRows();
  await withScratch('micro', async (scratch) => rows.push(...(await checksumRows(scratch.dir))));
  await publish('micro', 'Micro-benchmarks (one core)', rows);
}

await main();
