// Tidy check: file size limits, folder size limits, no synchronous fs outside src/bin and tests.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const maxLines = 800;
const maxSourceFilesPerFolder = 16;
const problems = [];

function walk(dir) {
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) walk(full);
    else if (full.endsWith('.ts')) check(full);
  }
}

function check(file) {
  const rel = relative(root, file);
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').length;
  if (lines > maxLines) problems.push(`${rel}: ${lines} lines (limit ${maxLines})`);
  if (!/^(#!.*\n)?(\/\/|\/\*)/.test(text))
    problems.push(`${rel}: must open with a comment saying what it owns`);
}

function checkFolders(dir) {
  const entries = readdirSync(dir);
  const sources = entries.filter((e) => e.endsWith('.ts') && !e.endsWith('.test.ts'));
  if (sources.length > maxSourceFilesPerFolder)
    problems.push(
      `${relative(root, dir)}: ${sources.length} source files (limit ${maxSourceFilesPerFolder})`,
    );
  for (const entry of entries) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) checkFolders(full);
  }
}

for (const top of ['src', 'test', 'bench']) {
  try {
    walk(join(root, top));
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}
checkFolders(join(root, 'src'));

if (problems.length > 0) {
  console.error(problems.join('\n'));
  console.error(`tidy: ${problems.length} problem(s)`);
  process.exit(1);
}
console.log('tidy: ok');
