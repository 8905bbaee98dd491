// Unit tests for list-objects page decoding (JSON and msgpack).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode } from '@msgpack/msgpack';
import { decodeListPage } from './list-page.js';

test('decodes a JSON page; null entries become empty, numeric sizes become strings', () => {
  const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
  const page = decodeListPage(
    json({
      uuid: 'u1',
      continuation_token: 'b',
      entries: [
        { name: 'a', size: '10', flags: 64 },
        { name: 'b', size: 7 },
      ],
      flags: 0,
    }),
    'application/json',
  );
  assert.deepEqual(page, {
    uuid: 'u1',
    continuation_token: 'b',
    entries: [
      { name: 'a', size: '10', flags: 64 },
      { name: 'b', size: '7' },
    ],
    flags: 0,
  });
  const empty = decodeListPage(
    json({ uuid: '', continuation_token: '', entries: null }),
    'application/json',
  );
  assert.deepEqual(empty.entries, []);
});

test('decodes a msgpack page with short entry keys', () => {
  const payload = encode({
    UUID: 'u2',
    ContinuationToken: '',
    Entries: [
      { n: 'x/y', s: 123, cs: 'abc', a: 'now', v: '2', t: 't[1]:/m', m: 'k=v', c: 2, f: 64 },
    ],
    Flags: 0,
  });
  const page = decodeListPage(payload, 'application/msgpack');
  assert.deepEqual(page.entries, [
    {
      name: 'x/y',
      size: '123',
      checksum: 'abc',
      atime: 'now',
      version: '2',
      location: 't[1]:/m',
      'custom-md': 'k=v',
      copies: 2,
      flags: 64,
    },
  ]);
  assert.equal(page.uuid, 'u2');
});

test('rejects malformed pages', () => {
  assert.throws(() => decodeListPage(Buffer.from('[]'), 'application/json'), /not an object/);
  assert.throws(
    () => decodeListPage(Buffer.from('{"entries":[{"size":"1"}]}'), 'application/json'),
    /without a name/,
  );
});
