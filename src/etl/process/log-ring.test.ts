// The ETL log keeps the newest bytes within its limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LogRing } from './log-ring.js';

test('keeps the newest bytes, cutting inside a chunk when needed', () => {
  const ring = new LogRing(10);
  ring.append(Buffer.from('0123456'));
  ring.append(Buffer.from('789abc'));
  assert.equal(ring.contents().toString(), '3456789abc');
  ring.append(Buffer.from('0123456789XYZ'));
  assert.equal(ring.contents().toString(), '3456789XYZ');
  ring.note('hi');
  assert.equal(ring.contents().toString(), '9XYZ[cairn] hi\n'.slice(-10));
});
