// A part's header written in place (writeItemPartHeader) is the header encodeBatchPartHeader makes,
// and decodes back to its size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BatchPartKind,
  batchPartHeaderBytes,
  decodeBatchPartHeader,
  encodeBatchPartHeader,
  writeItemPartHeader,
} from './batch-parts.js';

test('writeItemPartHeader: the bytes of encodeBatchPartHeader, at any offset', () => {
  for (const size of [0, 1, 4096, 0xffff_ffff, 0x1_0000_0000 + 5, Number.MAX_SAFE_INTEGER]) {
    const into = Buffer.alloc(3 + batchPartHeaderBytes + 2, 0xee);
    assert.equal(writeItemPartHeader(into, 3, size), batchPartHeaderBytes);
    const written = into.subarray(3, 3 + batchPartHeaderBytes);
    assert.deepEqual(written, encodeBatchPartHeader(BatchPartKind.item, size));
    assert.deepEqual(decodeBatchPartHeader(written), {
      kind: BatchPartKind.item,
      size,
      messageLength: 0,
    });
    assert.equal(into[2], 0xee);
    assert.equal(into[3 + batchPartHeaderBytes], 0xee);
  }
});
