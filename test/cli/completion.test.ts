// `cairn completion bash|zsh` printed by the built CLI and run in the real shells: the words typed
// so far lead to the deepest command, which offers its subcommands, options, option values or
// files. zsh's completion builtins are stood in for (they need a terminal); skipped without zsh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cairnEntry } from '../harness/node-process.js';

const run = promisify(execFile);

async function script(shell: 'bash' | 'zsh'): Promise<string> {
  return (await run(process.execPath, [cairnEntry, 'completion', shell])).stdout;
}

/** Completes each line (words separated by spaces; the last one is being typed) in `shell`. */
async function complete(shell: 'bash' | 'zsh', lines: readonly string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-completion-'));
  try {
    const file = join(dir, 'completion');
    await writeFile(file, await script(shell));
    const driver =
      shell === 'bash'
        ? `source ${file}
t() { COMP_WORDS=("$@"); COMP_CWORD=$(( \${#COMP_WORDS[@]} - 1 )); COMPREPLY=(); _cairn_complete; echo "\${COMPREPLY[*]}"; }`
        : `compdef() { :; }
compadd() { [[ $1 == -a ]] && print -r -- "\${(P)2}"; }
_describe() { print -r -- "\${(j: :)\${(@)\${(P)4}%%:*}}"; }
_files() { print -r -- "<files>"; }
source ${file}
t() { words=("$@"); CURRENT=\${#words}; _cairn; }`;
    const calls = lines.map(
      (line) =>
        `t ${line
          .split(' ')
          .map((word) => `'${word}'`)
          .join(' ')}`,
    );
    const { stdout } = await run(shell, ['-c', `${driver}\n${calls.join('\n')}`]);
    return stdout.split('\n').slice(0, lines.length);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const lines = [
  'cairn st',
  'cairn storage ',
  'cairn --endpoint http://x storage mountpath d',
  'cairn storage mirror --co',
  'cairn completion ',
  'cairn storage mirror ais://b --copies ',
];

test('bash: subcommands, options and values from the command tree; files otherwise', async () => {
  assert.deepEqual(await complete('bash', lines), [
    'storage',
    'scrub mirror ec-encode mountpath help',
    'detach disable',
    '--copies',
    'bash zsh',
    '',
  ]);
});

test('zsh: the same, subcommands with their descriptions', async (t) => {
  const zsh = await run('zsh', ['-c', 'exit 0']).catch(() => undefined);
  if (zsh === undefined) return t.skip('zsh is not installed');
  const completed = await complete('zsh', lines);
  // compadd and _describe match the typed prefix themselves: all candidates are offered.
  assert.match(completed[0] ?? '', /^ls put get .* storage .* completion node help$/);
  assert.equal(completed[1], 'scrub mirror ec-encode mountpath help');
  assert.equal(completed[2], 'attach detach enable disable help');
  assert.match(completed[3] ?? '', /^--copies --no-wait --timeout --help -h --endpoint/);
  assert.equal(completed[4], 'bash zsh');
  assert.equal(completed[5], '<files>');
});
