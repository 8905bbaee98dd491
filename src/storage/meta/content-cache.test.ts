// The content cache's pieces of one file: its whole object and ranges, all confirmed by one check,
// all dropped with the file; a whole object kept replaces its ranges; pieces of another record
// are never served.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ContentCache, rangeOverheadBytes } from './content-cache.js';
import type { FileState, FileStats } from '../io/fs-batch.js';

const identity: FileState = { dev: 1n, ino: 2n, size: 1000n, mtimeNs: 3n, ctimeNs: 4n };
const stats = {} as FileStats;
const limits = { maxBytes: 4096, objectMaxBytes: 1024, checkIntervalMs: 1000 };

test('one check confirms every range of the file; a failed one drops them all', () => {
  const cache = new ContentCache<{ identity: FileState }>(limits);
  const record = { identity };
  cache.keepRange('f', record, stats, 0, Buffer.from('abc'), 0);
  cache.keepRange('f', record, stats, 10, Buffer.from('klm'), 0);
  assert.equal(cache.getRange('f', record, 0, 2, 100)?.content.data.toString(), 'abc');
  assert.equal(cache.getRange('f', record, 0, 3, 100), undefined, 'another length');
  assert.equal(cache.getRange('f', { identity }, 0, 2, 100), undefined, 'another record');
  assert.equal(cache.get('f', record, 100), undefined, 'no whole object');
  const check = cache.getRange('f', record, 10, 12, 600)?.check;
  assert.ok(check !== undefined, 'half the interval: a check');
  assert.equal(cache.getRange('f', record, 0, 2, 700)?.check, undefined, 'one at a time');
  cache.checked(check, true);
  const later = cache.getRange('f', record, 0, 2, 1500);
  assert.ok(later !== undefined, 'confirmed by the check at 600');
  assert.ok(later.check !== undefined, 'and due for another');
  assert.equal(cache.getRange('f', record, 0, 2, 1600), undefined, 'unconfirmed since 600');
  cache.keepRange('f', record, stats, 20, Buffer.from('uvw'), 1600);
  assert.ok(cache.getRange('f', record, 0, 2, 1700), 'the file confirmed by that read');
  cache.checked(later.check, false);
  assert.equal(cache.getRange('f', record, 20, 22, 1700), undefined, 'dropped with the file');
  assert.deepEqual(cache.stats().entries, 0);
  assert.deepEqual(cache.stats().bytes, 0);
});

test('a whole object kept replaces its ranges; ranges are bounded with objects', () => {
  const cache = new ContentCache<{ identity: FileState }>(limits);
  const record = { identity };
  cache.keepRange('f', record, stats, 0, Buffer.alloc(100, 1), 0);
  assert.equal(cache.stats().bytes, 100 + rangeOverheadBytes);
  cache.keep('f', record, stats, Buffer.alloc(1000, 2), 0);
  assert.equal(cache.stats().bytes, 1000);
  assert.equal(cache.getRange('f', record, 0, 99, 10), undefined, 'served from the whole');
  cache.keepRange('f', record, stats, 0, Buffer.alloc(100, 1), 0);
  assert.equal(cache.stats().entries, 1, 'not kept beside the whole');
  assert.equal(cache.keepRange('f', record, stats, 0, Buffer.alloc(1025), 0), undefined);
  const other = { identity };
  for (const start of [0, 1024, 2048, 3072])
    cache.keepRange('g', other, stats, start, Buffer.alloc(1000), 0);
  // 4,096 bytes: the whole object (least recently used) and the oldest range went.
  assert.equal(cache.get('f', record, 10), undefined);
  assert.equal(cache.getRange('g', other, 0, 999, 10), undefined);
  assert.ok(cache.getRange('g', other, 3072, 4071, 10));
  assert.equal(cache.stats().entries, 3);
  cache.drop('g');
  assert.deepEqual(cache.stats().bytes, 0);
});

test('bytes not confirmed within the interval: a stat to start, then served if unchanged', () => {
  const cache = new ContentCache<{ identity: FileState }>(limits);
  const record = { identity };
  cache.keep('f', record, stats, Buffer.from('abc'), 0);
  cache.keepRange('g', record, stats, 5, Buffer.from('xyz'), 0);
  assert.equal(cache.confirmation('f', record, 999), undefined, 'served: nothing to confirm');
  assert.equal(cache.get('f', record, 1000), undefined, 'not confirmed within the interval');
  const due = cache.confirmation('f', record, 1000);
  assert.ok(due?.check !== undefined, 'a stat to start');
  assert.equal(due.check.startedMs, 1000);
  const again = cache.confirmation('f', record, 1001);
  assert.ok(again !== undefined && again.check === undefined, 'one in flight');
  assert.equal(again.entry, due.entry, 'the same entry to wait for');
  assert.equal(cache.confirmation('f', { identity }, 1001), undefined, 'another record');
  cache.checked(due.check, true);
  assert.equal(cache.get('f', record, 1001)?.content.data.toString(), 'abc', 'confirmed at 1000');
  assert.equal(cache.get('f', record, 2000), undefined, 'not since 1000');
  const range = cache.confirmation('g', record, 2000, 5, 7);
  assert.ok(range?.check !== undefined, 'a range: a stat too');
  assert.equal(cache.confirmation('g', record, 2000, 5, 8), undefined, 'another length');
  cache.checked(range.check, false);
  assert.equal(cache.getRange('g', record, 5, 7, 2000), undefined, 'changed: dropped');
  assert.equal(cache.confirmation('g', record, 2000, 5, 7), undefined, 'nothing to confirm');
});

test('a new check interval applies to the next hit of every entry', () => {
  const cache = new ContentCache<{ identity: FileState }>(limits);
  const record = { identity };
  cache.keep('f', record, stats, Buffer.from('abc'), 0);
  cache.setCheckIntervalMs(100);
  assert.equal(cache.limits.checkIntervalMs, 100);
  assert.equal(cache.get('f', record, 150), undefined, 'unconfirmed for 150 ms: past 100');
  cache.setCheckIntervalMs(60_000);
  const hit = cache.get('f', record, 20_000);
  assert.ok(hit !== undefined && hit.check === undefined, 'within 60 s, not yet half of it');
  assert.throws(() => cache.setCheckIntervalMs(0));
});
