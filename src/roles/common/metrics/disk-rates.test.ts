// Disk rates between two readings: bytes per second, average IO sizes, utilization in percent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diskRate, DiskRateSampler } from './disk-rates.js';
import type { DiskCounters } from './disk-stats.js';

const counters = (over: Partial<DiskCounters>): DiskCounters => ({
  name: 'vda',
  reads: 0,
  writes: 0,
  readBytes: 0,
  writeBytes: 0,
  ioSeconds: 0,
  ...over,
});

test('rates over 2 s: throughput, average sizes, utilization', () => {
  const before = counters({
    reads: 10,
    readBytes: 1000,
    writes: 4,
    writeBytes: 4096,
    ioSeconds: 3,
  });
  const after = counters({
    reads: 110,
    readBytes: 1000 + 100 * 65_536,
    writes: 20,
    writeBytes: 4096 + 16 * 4096,
    ioSeconds: 3.5,
  });
  assert.deepEqual(diskRate(before, after, 2), {
    name: 'vda',
    readBps: 50 * 65_536,
    writeBps: 8 * 4096,
    avgReadBytes: 65_536,
    avgWriteBytes: 4096,
    utilPercent: 25,
  });
});

test('an idle disk is 0 everywhere; counters that went back count 0; util at most 100', () => {
  const idle = diskRate(counters({ reads: 5 }), counters({ reads: 5 }), 1);
  assert.deepEqual(
    [idle.readBps, idle.writeBps, idle.avgReadBytes, idle.avgWriteBytes, idle.utilPercent],
    [0, 0, 0, 0, 0],
  );
  const reset = diskRate(counters({ readBytes: 9000, reads: 9 }), counters({ readBytes: 10 }), 1);
  assert.equal(reset.readBps, 0);
  assert.equal(diskRate(counters({}), counters({ ioSeconds: 1.2 }), 1).utilPercent, 100);
});

test('the sampler: no rate before two readings, then the rate since the previous reading', async () => {
  const readings = [
    new Map([['254:0', counters({ readBytes: 0, reads: 0 })]]),
    new Map([['254:0', counters({ readBytes: 4096, reads: 1 })]]),
  ];
  let next = 0;
  const sampler = new DiskRateSampler({
    read: () => Promise.resolve(readings[Math.min(next++, readings.length - 1)] ?? new Map()),
    intervalMs: () => 60_000,
    onError: (error) => assert.fail(String(error)),
  });
  await sampler.sample();
  assert.equal(sampler.rate('254:0'), undefined);
  await sampler.sample();
  const rate = sampler.rate('254:0');
  assert.equal(rate?.avgReadBytes, 4096);
  assert.ok((rate?.readBps ?? 0) > 0);
  assert.equal(sampler.rate('8:0'), undefined);
  await sampler.sample();
  assert.equal(sampler.rate('254:0')?.readBps, 0);
});

test('the sampler waits whole milliseconds (a fractional delay deoptimizes code using timers)', async (t) => {
  const delays: number[] = [];
  const realSetTimeout = globalThis.setTimeout;
  t.mock.method(globalThis, 'setTimeout', (callback: () => void, delay: number) => {
    delays.push(delay);
    return realSetTimeout(callback, delay);
  });
  // Longer than the sampler's 1 s look at the config: the wait after that look is the rest of
  // the interval, measured with `performance.now()`.
  const sampler = new DiskRateSampler({
    read: () => Promise.resolve(new Map()),
    intervalMs: () => 1100,
    onError: (error) => assert.fail(String(error)),
  });
  sampler.start();
  try {
    await new Promise((resolve) => realSetTimeout(resolve, 1300));
  } finally {
    sampler.stop();
  }
  assert.ok(delays.length >= 2, `waits: ${delays.join(', ')}`);
  assert.ok(delays.every(Number.isInteger), `waits: ${delays.join(', ')}`);
});
