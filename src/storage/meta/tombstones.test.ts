// Unit tests for the tombstone log: what is added survives a reopen, delivery and expiry drop
// tombstones for good, a torn last line is skipped, the file is compacted and the count bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localDisk } from '../io/disk.js';
import { Tombstones, tombstonesFileName, type Tombstone } from './tombstones.js';

const bucket = { name: 'b', provider: 'ais' };

function tombstone(name: string, deletedAtMs: number, awayTargets: string[]): Tombstone {
  return { bucket, name, deletedAtMs, mapVersion: 7, awayTargets };
}

async function withLog(run: (path: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-tombstones-'));
  try {
    await run(join(dir, tombstonesFileName));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('tombstones survive a reopen; a later one for a name replaces the earlier', async () => {
  await withLog(async (path) => {
    const tombstones = await Tombstones.open(localDisk, path);
    await tombstones.add(tombstone('a/x', 100, ['t1']));
    await tombstones.add(tombstone('b', 200, ['t1', 't2']));
    await tombstones.add(tombstone('a/x', 300, ['t2']));
    const reopened = await Tombstones.open(localDisk, path);
    assert.equal(reopened.size, 2);
    assert.equal(reopened.deletedAtMs(bucket, 'a/x'), 300);
    assert.equal(reopened.deletedAtMs(bucket, 'b'), 200);
    assert.equal(reopened.deletedAtMs({ name: 'other', provider: 'ais' }, 'b'), undefined);
    assert.deepEqual(
      reopened.owedTo('t1').map((owed) => owed.name),
      ['b'],
    );
    assert.deepEqual(
      reopened
        .owedTo('t2')
        .map((owed) => [owed.name, owed.mapVersion])
        .sort(),
      [
        ['a/x', 7],
        ['b', 7],
      ],
    );
  });
});

test('a tombstone goes once every away target was told, for good', async () => {
  await withLog(async (path) => {
    const tombstones = await Tombstones.open(localDisk, path);
    await tombstones.add(tombstone('a', 100, ['t1', 't2']));
    await tombstones.delivered('t1', tombstones.owedTo('t1'));
    assert.equal(tombstones.deletedAtMs(bucket, 'a'), 100, 't2 is still owed it');
    assert.deepEqual(tombstones.owedTo('t1'), []);
    await tombstones.delivered('t2', tombstones.owedTo('t2'));
    assert.equal(tombstones.size, 0);
    assert.equal((await Tombstones.open(localDisk, path)).size, 0);
  });
});

test('expiry drops tombstones older than the bound, and the drop is kept', async () => {
  await withLog(async (path) => {
    const tombstones = await Tombstones.open(localDisk, path);
    await tombstones.add(tombstone('old', 100, ['t1']));
    await tombstones.add(tombstone('new', 900, ['t1']));
    assert.equal(await tombstones.expire(500), 1);
    const reopened = await Tombstones.open(localDisk, path);
    assert.deepEqual(
      reopened.all().map((kept) => kept.name),
      ['new'],
    );
  });
});

test('a torn last line is skipped; the lines before it count', async () => {
  await withLog(async (path) => {
    const tombstones = await Tombstones.open(localDisk, path);
    await tombstones.add(tombstone('a', 100, ['t1']));
    await writeFile(path, `${await readFile(path, 'utf8')}{"v":1,"uname":"ais/@#/b/c","del`);
    const reopened = await Tombstones.open(localDisk, path);
    assert.deepEqual(
      reopened.all().map((kept) => kept.name),
      ['a'],
    );
  });
});

test('the count is bounded (oldest dropped) and the log is compacted', async () => {
  await withLog(async (path) => {
    const tombstones = await Tombstones.open(localDisk, path, 3);
    for (let index = 0; index < 2000; index += 1)
      await tombstones.add(tombstone(`n${index}`, index, ['t1']));
    assert.deepEqual(
      tombstones.all().map((kept) => kept.name),
      ['n1997', 'n1998', 'n1999'],
    );
    const lines = (await readFile(path, 'utf8')).split('\n').length - 1;
    assert.ok(lines <= 2 * 3 + 1024, `${lines} lines on disk for 3 tombstones`);
    const reopened = await Tombstones.open(localDisk, path, 3);
    assert.deepEqual(
      reopened.all().map((kept) => kept.name),
      ['n1997', 'n1998', 'n1999'],
    );
  });
});

test('a delete that did not happen is taken back: the previous tombstone, or none', async () => {
  await withLog(async (path) => {
    const tombstones = await Tombstones.open(localDisk, path);
    const first = tombstone('a', 100, ['t1']);
    assert.equal(await tombstones.add(first), undefined);
    const second = tombstone('a', 200, ['t1']);
    assert.equal(await tombstones.add(second), first);
    await tombstones.restore(second, first);
    assert.equal(tombstones.deletedAtMs(bucket, 'a'), 100);
    const only = tombstone('b', 300, ['t2']);
    await tombstones.restore(only, await tombstones.add(only));
    assert.equal(tombstones.deletedAtMs(bucket, 'b'), undefined);
    // Replaced meanwhile by a later delete: that one stays.
    const third = tombstone('a', 400, ['t1']);
    await tombstones.add(third);
    await tombstones.restore(second, first);
    assert.equal(tombstones.deletedAtMs(bucket, 'a'), 400);
    const reopened = await Tombstones.open(localDisk, path);
    assert.equal(reopened.deletedAtMs(bucket, 'a'), 400);
    assert.equal(reopened.deletedAtMs(bucket, 'b'), undefined);
  });
});

test('a write that fails: the tombstone is taken back, later lines are not lost', async () => {
  await withLog(async (path) => {
    let failures = 0;
    const disk = {
      ...localDisk,
      open: (...args: Parameters<typeof localDisk.open>) =>
        failures-- > 0 ? Promise.reject(new Error('EIO')) : localDisk.open(...args),
    };
    const tombstones = await Tombstones.open(disk, path);
    await tombstones.add(tombstone('kept', 50, ['t1']));
    failures = 1;
    // Both in one tick: the failed write carried the second line too.
    const failed = tombstones.add(tombstone('kept', 60, ['t1']));
    const next = tombstones.add(tombstone('next', 70, ['t1']));
    await assert.rejects(failed, /EIO/);
    await next;
    assert.equal(tombstones.deletedAtMs(bucket, 'kept'), 50, 'as before the failed add');
    const reopened = await Tombstones.open(localDisk, path);
    assert.equal(reopened.deletedAtMs(bucket, 'kept'), 50);
    assert.equal(reopened.deletedAtMs(bucket, 'next'), 70, 'on disk once its add resolved');
  });
});
