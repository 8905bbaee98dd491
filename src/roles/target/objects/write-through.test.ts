// A write whose length is unknown until its end (a POST Object form upload) cannot be written
// through to a remote bucket: 501 naming it, never 411 (the client gave all the protocol asks).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { isStoreError } from '../../../errors/index.js';
import type { Backend } from '../../../backends/index.js';
import type { ResolvedBucket } from './object-types.js';
import { writeThrough } from './write-through.js';

test('a write of unknown length to a remote bucket answers 501 naming it', () => {
  const bucket = { name: 'r', provider: 'aws' };
  let remotePuts = 0;
  const backend = {
    description: 'aws://r',
    put: () => {
      remotePuts += 1;
      return Promise.reject(new Error('not reached'));
    },
  } as unknown as Backend;
  const body = Readable.from(['form file']);
  assert.throws(
    () =>
      writeThrough({ bucket } as unknown as ResolvedBucket, backend, {
        bucket,
        name: 'k',
        body,
        checksumType: 'xxhash',
        versioning: false,
      }),
    (error: unknown) => {
      assert.ok(isStoreError(error));
      assert.equal(error.code, 'NotImplemented');
      assert.match(error.message, /POST Object form upload.*remote bucket aws:\/\/r/);
      return true;
    },
  );
  assert.equal(remotePuts, 0, 'nothing sent to the remote');
  body.destroy();
});
