// Unit tests for the atomic small-file writer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomically } from './atomic-file.js';

test('replaces content and leaves no temporary file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-atomic-'));
  try {
    const path = join(dir, 'marker.json');
    await writeFileAtomically(path, 'first');
    await writeFileAtomically(path, 'second');
    assert.equal(await readFile(path, 'utf8'), 'second');
    assert.deepEqual(await readdir(dir), ['marker.json']);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
