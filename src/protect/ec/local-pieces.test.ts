// Unit tests for the pieces a target holds: a piece is one `%ec` file whose record carries its
// metafile; metafiles too big for a record, main replicas' and pieces in the older two-file form
// (`%ec` plus `%mt`) still read, verify, update and go away.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createHasher } from '../../checksum/index.js';
import type { LocalStore } from '../../storage/index.js';
import {
  bodyOf,
  openTestStore,
  patternBytes,
  readAll,
  makeTemporaryDirectory,
  removeTemporaryDirectory,
  testBucket,
} from '../../storage/store-fixtures.js';
import { erasureMetadataVersion, type ErasureMetadataJson } from '../../wire/index.js';
import { encodeErasureMetadata, inRecordMaxBytes, pieceRecordKey } from './ec-metadata.js';
import { LocalPieces } from './local-pieces.js';

let root: string;
let store: LocalStore;
let pieces: LocalPieces;

before(async () => {
  root = await makeTemporaryDirectory();
  store = await openTestStore(root);
  pieces = new LocalPieces(store);
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

function sliceMetadata(
  name: string,
  fields: Partial<ErasureMetadataJson> = {},
): ErasureMetadataJson {
  return {
    md_version: erasureMetadataVersion,
    name,
    obj_size: 4000,
    generation: 7,
    obj_cksum: 'abc',
    cksum_type: 'xxhash',
    obj_version: '1',
    slice_cksum: '',
    nodes: { owner: 0, holder: 2 },
    data_slices: 2,
    parity_slices: 1,
    slice_id: 2,
    is_copy: false,
    slice_size: 2000,
    stripe_size: 2000,
    custom_md: { colour: 'blue' },
    obj_name: name,
    mtime_ms: 1000,
    ...fields,
  };
}

function xxhashOf(bytes: Buffer): string {
  const hasher = createHasher('xxhash');
  hasher.update(bytes);
  return hasher.digest();
}

async function namesIn(contentType: 'ec' | 'mt'): Promise<string[]> {
  const page = await store.listObjects(testBucket, {
    limit: 100,
    withMetadata: false,
    contentType,
  });
  return page.map((entry) => entry.name);
}

test('a slice is one file whose record carries its metafile', async () => {
  const bytes = patternBytes(2000, 3);
  const metadata = sliceMetadata('one-file');
  const stored = await pieces.store(testBucket, metadata, bodyOf(bytes), bytes.length);
  assert.deepEqual(stored, { slice_cksum: xxhashOf(bytes), size: 2000 });
  assert.ok((await namesIn('ec')).includes('one-file'));
  assert.ok(!(await namesIn('mt')).includes('one-file'), 'no %mt metafile');
  const record = await store.headObject(testBucket, 'one-file', { contentType: 'ec' });
  assert.ok(record.customMetadata[pieceRecordKey]?.includes('"generation":7'));

  const expected = { ...metadata, slice_cksum: xxhashOf(bytes) };
  assert.deepEqual(await pieces.metadata(testBucket, 'one-file'), expected);
  assert.deepEqual(await pieces.metadata(testBucket, 'one-file', true), expected);
  const opened = await pieces.open(testBucket, 'one-file');
  assert.deepEqual(opened?.metadata, expected);
  assert.deepEqual(await readAll(opened.read.body.toStream()), bytes);
});

test('a metadata-only change rewrites the record and keeps the bytes', async () => {
  const bytes = patternBytes(2000, 4);
  await pieces.store(testBucket, sliceMetadata('retagged'), bodyOf(bytes), bytes.length);
  const changed = sliceMetadata('retagged', { custom_md: { colour: 'red' } });
  const stored = await pieces.store(testBucket, changed, bodyOf(Buffer.alloc(0)), 0);
  assert.deepEqual(stored, { slice_cksum: xxhashOf(bytes), size: 2000 });
  const held = await pieces.metadata(testBucket, 'retagged', true);
  assert.deepEqual(held?.custom_md, { colour: 'red' });
  assert.equal(held?.slice_cksum, xxhashOf(bytes));
  const other = sliceMetadata('retagged', { generation: 8 });
  await assert.rejects(pieces.store(testBucket, other, bodyOf(Buffer.alloc(0)), 0), {
    code: 'ObjectNotFound',
  });
});

test('a metafile too big for the record goes to %mt, and back to the record', async () => {
  const big = { note: 'x'.repeat(inRecordMaxBytes) };
  const bytes = patternBytes(2000, 5);
  const metadata = sliceMetadata('big', { custom_md: big });
  await pieces.store(testBucket, metadata, bodyOf(bytes), bytes.length);
  assert.ok((await namesIn('mt')).includes('big'));
  const held = await pieces.metadata(testBucket, 'big', true);
  assert.deepEqual(held, { ...metadata, slice_cksum: xxhashOf(bytes) });

  // A small record again: the two-file form keeps its `%mt`, now with the new attributes.
  await pieces.store(testBucket, sliceMetadata('big'), bodyOf(Buffer.alloc(0)), 0);
  assert.deepEqual((await pieces.metadata(testBucket, 'big'))?.custom_md, { colour: 'blue' });

  // A piece in the record form whose attributes grow too big moves to the two-file form.
  await pieces.store(testBucket, sliceMetadata('grows'), bodyOf(bytes), bytes.length);
  await pieces.store(testBucket, sliceMetadata('grows', { custom_md: big }), bodyOf(''), 0);
  assert.deepEqual((await pieces.metadata(testBucket, 'grows'))?.custom_md, big);
  assert.ok((await namesIn('mt')).includes('grows'));
});

test('a piece in the older two-file form reads, and goes when its bytes are lost', async () => {
  const bytes = patternBytes(2000, 6);
  const metadata = sliceMetadata('older', { slice_cksum: xxhashOf(bytes) });
  await store.putObject({
    bucket: testBucket,
    name: 'older',
    body: bodyOf(bytes),
    checksumType: 'xxhash',
    versioning: false,
    contentType: 'ec',
  });
  await store.putObject({
    bucket: testBucket,
    name: 'older',
    body: Readable.from([encodeErasureMetadata(metadata)], { objectMode: false }),
    checksumType: 'xxhash',
    versioning: false,
    contentType: 'mt',
  });
  assert.deepEqual(await pieces.metadata(testBucket, 'older', true), metadata);
  const opened = await pieces.open(testBucket, 'older');
  assert.deepEqual(await readAll(opened!.read.body.toStream()), bytes);

  await store.deleteObject(testBucket, 'older', { contentType: 'ec' });
  assert.equal(await pieces.metadata(testBucket, 'older'), undefined);
  assert.ok(!(await namesIn('mt')).includes('older'), 'the orphan metafile is removed');
});

test("the owner's metafile of its main replica stays a %mt file beside the object", async () => {
  const bytes = patternBytes(3000, 7);
  await store.putObject({
    bucket: testBucket,
    name: 'main',
    body: bodyOf(bytes),
    checksumType: 'xxhash',
    versioning: false,
  });
  // A slice held from an earlier placement goes: this target is now the owner.
  await pieces.store(testBucket, sliceMetadata('main'), bodyOf(bytes.subarray(0, 2000)), 2000);
  const own = sliceMetadata('main', { slice_id: 0 });
  await pieces.store(testBucket, own, undefined, 0);
  assert.ok(!(await namesIn('ec')).includes('main'));
  assert.deepEqual(await pieces.metadata(testBucket, 'main', true), own);
  const opened = await pieces.open(testBucket, 'main');
  assert.deepEqual(await readAll(opened!.read.body.toStream()), bytes);

  assert.equal(await pieces.remove(testBucket, 'main'), true);
  assert.equal(await pieces.metadata(testBucket, 'main'), undefined);
  assert.equal(await pieces.remove(testBucket, 'main'), false);
});
