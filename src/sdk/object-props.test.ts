// Unit tests for decoding object properties from response headers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { objectPropsFromHeaders, parseCustomMetadata } from './object-props.js';

const requested = { bucket: { name: 'b', provider: 'ais' }, name: 'dir/o.bin' };

test('decodes a V1 HEAD answer (the name is the one asked for)', () => {
  const props = objectPropsFromHeaders(
    {
      'content-length': '1048576',
      'ais-checksum-type': 'xxhash',
      'ais-checksum-value': '26c7827d889f6da3',
      'ais-atime': '1717171717123456789',
      'ais-version': '3',
      'ais-custom-md': ['source=ais', 'note=a=b'],
      'ais-name': 'dir%2Fo.bin',
      'ais-bucket-name': 'b',
      'ais-bucket-provider': 'ais',
      'ais-location': 't[abc]:/mp1',
      'ais-mirror-copies': '2',
      'ais-mirror-paths': '/mp1,/mp2',
      'ais-present': 'true',
      'last-modified': 'Wed, 21 Oct 2015 07:28:00 GMT',
    },
    requested,
  );
  assert.deepEqual(props, {
    name: 'dir/o.bin',
    bucket: { name: 'b', provider: 'ais' },
    size: 1048576,
    checksum: { type: 'xxhash', value: '26c7827d889f6da3' },
    atimeNs: 1717171717123456789n,
    version: '3',
    customMetadata: { source: 'ais', note: 'a=b' },
    location: 't[abc]:/mp1',
    mirrorCopies: 2,
    mirrorPaths: ['/mp1', '/mp2'],
    present: true,
    lastModified: new Date('2015-10-21T07:28:00Z'),
  });
});

test('minimal GET headers fall back to the requested names and neutral values', () => {
  const props = objectPropsFromHeaders({ 'content-length': '5' }, requested);
  assert.deepEqual(props, {
    name: 'dir/o.bin',
    bucket: { name: 'b', provider: 'ais' },
    size: 5,
    checksum: { type: 'none', value: '' },
    atimeNs: 0n,
    customMetadata: {},
    present: true,
  });
});

test('a range answer reports the full size from Content-Range', () => {
  const props = objectPropsFromHeaders(
    { 'content-length': '10', 'content-range': 'bytes 0-9/4096' },
    requested,
  );
  assert.equal(props.size, 4096);
});

test('V2 absent objects and unknown sizes', () => {
  const props = objectPropsFromHeaders({ 'ais-present': 'false' }, requested);
  assert.equal(props.present, false);
  assert.equal(props.size, -1);
});

test('custom metadata pairs: first "=" splits, malformed ones are skipped', () => {
  assert.deepEqual(parseCustomMetadata(['a=1', 'b=', '=x', 'novalue', 'c=d=e']), {
    a: '1',
    b: '',
    c: 'd=e',
  });
});
