// /proc/diskstats parsing and device numbers as Linux encodes them in stat's dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deviceNumbers, parseDiskStats } from './disk-stats.js';

test('diskstats lines: sectors of 512 bytes, IO time in seconds; short lines skipped', () => {
  const text = [
    ' 254       0 vda 1000 10 2048 300 500 20 4096 700 0 1250 1000 0 0 0 0',
    ' 259       1 nvme0n1p1 1 0 8 0 0 0 0 0 0 2 0',
    ' 7 0 loop0 0 0',
  ].join('\n');
  const disks = parseDiskStats(text);
  assert.deepEqual(disks.get('254:0'), {
    name: 'vda',
    reads: 1000,
    writes: 500,
    readBytes: 2048 * 512,
    writeBytes: 4096 * 512,
    ioSeconds: 1.25,
  });
  assert.equal(disks.get('259:1')?.name, 'nvme0n1p1');
  assert.equal(disks.has('7:0'), false);
});

test('device numbers: small and large majors and minors', () => {
  assert.equal(deviceNumbers(0xfe00), '254:0');
  assert.equal(deviceNumbers(0x10301), '259:1');
  // major 259, minor 300: minor's high bits above 8 go to bits 20 and up.
  const dev = (300 & 0xff) | (259 << 8) | ((300 & ~0xff) << 12);
  assert.equal(deviceNumbers(dev), '259:300');
});
