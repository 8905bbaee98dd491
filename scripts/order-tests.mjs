// Prints the compiled test files, longest first (by scripts/test-durations.txt), so that the
// runner, which takes files in the order given a few at a time, does not end on one long file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const unlistedSeconds = 20;

const seconds = new Map();
for (const line of readFileSync(join(root, 'scripts/test-durations.txt'), 'utf8').split('\n')) {
  const match = /^(\d+) (\S+)\.ts$/.exec(line);
  if (match !== null) seconds.set(`dist/${match[2]}.js`, Number(match[1]));
}

const tests = [];
for (const dir of ['dist/src', 'dist/test'])
  for (const entry of readdirSync(join(root, dir), { recursive: true }))
    // Only *.test.js files are tests (node would also run every file under a folder named `test`).
    if (entry.endsWith('.test.js')) tests.push(join(dir, entry));

const cost = (file) => seconds.get(file) ?? unlistedSeconds;
tests.sort((a, b) => cost(b) - cost(a) || a.localeCompare(b));
process.stdout.write(`${tests.join('\n')}\n`);
