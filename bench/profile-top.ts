// Prints the top costs of V8 CPU profiles (`node --cpu-prof` output): self time per function,
// and inclusive time of the project's own functions, so a profile can be read without a browser.
// Usage: node dist/bench/profile-top.js FILE.cpuprofile [...] [--top N]
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file =
    url === ''
      ? ''
      : ` ${url.startsWith('file://') ? relative(process.cwd(), new URL(url).pathname) : url}:${lineNumber + 1}`;
  return `${functionName === '' ? '(anonymous)' : functionName}${file}`;
}

/** Self and inclusive sample time per frame name, in microseconds. */
export function summarize(profile: CpuProfile): {
  self: Map<string, number>;
  inclusive: Map<string, number>;
  total: number;
} {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    total += delta;
    const node = byId.get(id);
    if (node === undefined) return;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + delta);
    const seen = new Set<string>();
    for (
      let current: number | undefined = id;
      current !== undefined;
      current = parent.get(current)
    ) {
      const ancestor = byId.get(current);
      if (ancestor === undefined) break;
      const ancestorName = frameName(ancestor);
      if (seen.has(ancestorName)) continue;
      seen.add(ancestorName);
      inclusive.set(ancestorName, (inclusive.get(ancestorName) ?? 0) + delta);
    }
  });
  return { self, inclusive, total };
}

function top(
  map: Map<string, number>,
  total: number,
  count: number,
  filter: (name: string) => boolean = () => true,
): string[] {
  return [...map.entries()]
    .filter(([name]) => filter(name))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, time]) => `${((time / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const topIndex = args.indexOf('--top');
  const count = topIndex >= 0 ? Number(args[topIndex + 1]) : 25;
  const files = args.filter((_, index) => index !== topIndex && index !== topIndex + 1);
  for (const file of files) {
    const { self, inclusive, total } = summarize(
      JSON.parse(await readFile(file, 'utf8')) as CpuProfile,
    );
    process.stdout.write(`\n${file}: ${(total / 1e6).toFixed(1)} s sampled\n-- self time\n`);
    process.stdout.write(
      `${top(self, total, count).join('\n')}\n-- inclusive time, project code\n`,
    );
    const project = (name: string): boolean => name.includes('dist/src/');
    process.stdout.write(`${top(inclusive, total, count, project).join('\n')}\n`);
  }
}

await main();
