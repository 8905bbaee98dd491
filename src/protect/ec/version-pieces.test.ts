// Unit tests for the piece names of kept versions: the natural `<name>;<id>`, the hashed name of a
// name too long for it, and how a held metafile says whose kept version it is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maxObjectNameBytes } from '../../storage/index.js';
import { erasureMetadataVersion, type ErasureMetadataJson } from '../../wire/index.js';
import { decodeErasureMetadata } from './ec-metadata.js';
import { keptVersionOf, pieceKeyOf, versionPieceName } from './version-pieces.js';

const versionId = 'a'.repeat(32);

function metafile(name: string, fields: Partial<ErasureMetadataJson>): ErasureMetadataJson {
  return decodeErasureMetadata(
    {
      md_version: erasureMetadataVersion,
      name,
      obj_size: 10,
      generation: 1,
      obj_cksum: 'c',
      cksum_type: 'xxhash',
      obj_version: '1',
      slice_cksum: '',
      nodes: {},
      data_slices: 1,
      parity_slices: 1,
      slice_id: 1,
      is_copy: true,
      slice_size: 0,
      stripe_size: 0,
      custom_md: {},
      ...fields,
    },
    'test',
  );
}

test('a kept version is keyed <name>;<id>, or by a hash of the name when that is too long', () => {
  assert.equal(versionPieceName('dir/a', versionId), `dir/a;${versionId}`);
  assert.equal(pieceKeyOf('dir/a', versionId, true), 'dir/a', 'a latest delete marker: the name');
  assert.equal(pieceKeyOf('dir/a', undefined, false), 'dir/a');
  const long = 'x'.repeat(maxObjectNameBytes - 10);
  const key = versionPieceName(long, versionId);
  assert.match(key, new RegExp(`^\\.kept/[0-9a-f]{64};${versionId}$`));
  assert.ok(Buffer.byteLength(key) <= maxObjectNameBytes);
  assert.notEqual(versionPieceName(`${long}y`, versionId), key, 'another name, another key');
  assert.equal(versionPieceName(long, versionId), key, 'the same name, the same key');
});

test("a held metafile names whose kept version it is: obj_name, else the piece's name", () => {
  const long = 'x'.repeat(maxObjectNameBytes);
  const hashed = versionPieceName(long, versionId);
  const attrs = { version_id: versionId };
  assert.deepEqual(keptVersionOf(metafile(hashed, { obj_name: long, s3_attrs: attrs })), {
    name: long,
    versionId,
  });
  assert.equal(
    keptVersionOf(metafile('a', { obj_name: 'a', s3_attrs: attrs })),
    undefined,
    'the latest version of "a"',
  );
  // Metafiles without obj_name: `<x>;<id>` whose version ID matches is a kept version of <x>.
  assert.deepEqual(keptVersionOf(metafile(`a;${versionId}`, { s3_attrs: attrs })), {
    name: 'a',
    versionId,
  });
  assert.equal(keptVersionOf(metafile(`a;${versionId}`, {})), undefined, 'an object so named');
  assert.throws(() => metafile('a', { mtime_ms: -1 }), /mtime_ms/);
  assert.throws(() => metafile('a', { obj_name: 3 as unknown as string }), /obj_name/);
});
