// Unit tests: log files rotate by size, keep a bounded number of old files, and split severities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeLogFiles } from './log-files.js';
import { tarGzipStream } from './tar-gzip.js';

const limits = { maxFileBytes: 1000, maxOldFiles: 2, maxBacklogBytes: 100_000 };

test('files rotate by size and keep at most maxOldFiles old ones', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-log-'));
  try {
    const files = await NodeLogFiles.open(dir, limits);
    for (let i = 0; i < 100; i += 1) {
      files.write(
        `${JSON.stringify({ i, pad: 'x'.repeat(80) })}\n`,
        i % 10 === 0 ? 'warn' : 'info',
      );
      // Let rotations run between some writes (they are asynchronous).
      if (i % 7 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await files.close();
    const names = readdirSync(dir).sort();
    assert.deepEqual(
      names.filter((name) => name.startsWith('cairn.INFO')),
      ['cairn.INFO', 'cairn.INFO.1', 'cairn.INFO.2'],
    );
    assert.ok(names.includes('cairn.ERROR'));
    for (const name of names)
      assert.ok(readFileSync(join(dir, name)).byteLength <= limits.maxFileBytes + 200, name);
    // The newest lines are in the current file, the one before in `.1`; nothing is lost in between.
    const lines = ['cairn.INFO.2', 'cairn.INFO.1', 'cairn.INFO']
      .flatMap((name) => readFileSync(join(dir, name), 'utf8').split('\n'))
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { i: number }).i);
    assert.equal(lines[lines.length - 1], 99);
    for (let k = 1; k < lines.length; k += 1) assert.equal(lines[k], (lines[k - 1] ?? 0) + 1);
    const errors = readFileSync(join(dir, 'cairn.ERROR'), 'utf8').trim().split('\n');
    assert.equal(errors.length, 10);
    const reopened = await NodeLogFiles.open(dir, limits);
    assert.deepEqual(
      (await reopened.list('INFO')).map((entry) => entry.name),
      ['cairn.INFO.2', 'cairn.INFO.1', 'cairn.INFO'],
    );
    await reopened.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tar.gz of files lists and extracts with tar(1)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-tar-'));
  try {
    writeFileSync(join(dir, 'a'), 'hello\n');
    writeFileSync(join(dir, 'b'), Buffer.alloc(1500, 7));
    const files = [
      { name: 'a.log', path: join(dir, 'a'), sizeBytes: 6, modifiedMs: Date.now() },
      { name: 'b.log', path: join(dir, 'b'), sizeBytes: 1500, modifiedMs: Date.now() },
      // Rotated away after listing: an empty entry of its announced size.
      { name: 'gone.log', path: join(dir, 'gone'), sizeBytes: 10, modifiedMs: Date.now() },
    ];
    const chunks: Buffer[] = [];
    for await (const chunk of tarGzipStream(files)) chunks.push(chunk as Buffer);
    writeFileSync(join(dir, 'out.tar.gz'), Buffer.concat(chunks));
    const listing = execFileSync('tar', ['-tzf', join(dir, 'out.tar.gz')], { encoding: 'utf8' });
    assert.deepEqual(listing.trim().split('\n'), ['a.log', 'b.log', 'gone.log']);
    const extracted = execFileSync('tar', ['-xzOf', join(dir, 'out.tar.gz'), 'a.log'], {
      encoding: 'utf8',
    });
    assert.equal(extracted, 'hello\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
