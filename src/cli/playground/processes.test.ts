// Unit tests for recognising node processes and reading the tail of a node log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive, isNodeProcess, logTail, startMarker } from './processes.js';

test('only Cairn node processes for the given directory are recognised', async () => {
  assert.equal(await isNodeProcess(process.pid, '/some/dir'), false, 'the test runner is no node');
  assert.equal(await isNodeProcess(null, '/some/dir'), false);
  assert.equal(await isNodeProcess(-1, '/some/dir'), false);
  assert.equal(isAlive(process.pid), true);
});

test('the log tail covers only the latest run', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-log-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const lines = [
    `${startMarker} at 1`,
    'old failure',
    `${startMarker} at 2`,
    'line 1',
    'line 2',
    'line 3',
    '',
  ];
  await writeFile(join(dir, 'node.log'), lines.join('\n'));
  assert.deepEqual(await logTail(dir), ['line 1', 'line 2', 'line 3']);
  assert.deepEqual(await logTail(dir, 2), ['line 2', 'line 3']);
  assert.deepEqual(await logTail(join(dir, 'missing')), ['(no log)']);
});
