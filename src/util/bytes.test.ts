// Unit tests for byte-size parsing and formatting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatBytes, parseByteSize } from './bytes.js';

test('parses human sizes', () => {
  assert.equal(parseByteSize('4KiB'), 4096);
  assert.equal(parseByteSize('1MiB'), 1048576);
  assert.equal(parseByteSize('64m'), 64 * 1048576);
  assert.equal(parseByteSize('100'), 100);
  assert.equal(parseByteSize('1.5k'), 1536);
  assert.equal(parseByteSize('ten'), undefined);
  assert.equal(parseByteSize('5XB'), undefined);
});

test('formats bytes', () => {
  assert.equal(formatBytes(10), '10B');
  assert.equal(formatBytes(1536), '1.50KiB');
  assert.equal(formatBytes(3 * 1024 ** 3), '3.00GiB');
});
