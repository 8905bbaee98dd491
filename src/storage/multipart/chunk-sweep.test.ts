// Unit tests for the chunk-set sweep: a completed set without its object (a crash between the
// manifest and the commit) goes, an old upload goes, a live object's set and a young upload stay;
// and a PUT over a chunked object removes the set it replaced.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from '../store-fixtures.js';
import type { LocalStore } from '../local-store.js';

let root = '';

before(async () => {
  root = await makeTemporaryDirectory();
});

after(async () => {
  await removeTemporaryDirectory(root);
});

const attributes = { customMetadata: {}, contentHeaders: {}, tags: {} };

async function completed(store: LocalStore, name: string): Promise<string> {
  const uploadId = await store.uploads.createUpload(testBucket, name, attributes);
  await store.uploads.uploadPart({
    bucket: testBucket,
    name,
    uploadId,
    partNumber: 1,
    body: bodyOf(`${name} bytes`),
    contentLength: `${name} bytes`.length,
    checksumType: 'xxhash',
    finish: () => ({ etag: 'e' }),
  });
  await store.uploads.completeUpload({
    bucket: testBucket,
    name,
    uploadId,
    parts: [{ partNumber: 1, etag: 'e', extraChecksums: {} }],
    minPartBytes: 0,
    versioning: false,
    combineChecksums: () => Promise.resolve({}),
  });
  return uploadId;
}

test('orphaned and abandoned chunk sets are removed, live ones stay', async () => {
  const directory = join(root, 'sweep');
  const store = await openTestStore(directory, 1);
  const live = await completed(store, 'live');
  const orphan = await completed(store, 'orphan');
  // As if the process had died before the object's commit: the manifest says complete, no object.
  await unlink(join(directory, 'mp0/@ais/bucket/%ob/orphan'));
  const young = await store.uploads.createUpload(testBucket, 'young', attributes);
  const nowMs = Date.now();
  const first = await store.uploads.sweepChunkSets(testBucket, { maxUploadAgeMs: 60_000, nowMs });
  assert.deepEqual(first, { orphans: 1, abandoned: 0 });
  const manifests = await readdir(join(directory, 'mp0/@ais/bucket/%ut'));
  assert.deepEqual(manifests.sort(), [live, young].sort());
  assert.ok(!manifests.includes(orphan));
  assert.equal(
    (await readAll((await store.getObject(testBucket, 'live')).body)).toString(),
    'live bytes',
  );
  const later = await store.uploads.sweepChunkSets(testBucket, {
    maxUploadAgeMs: 60_000,
    nowMs: nowMs + 120_000,
  });
  assert.deepEqual(later, { orphans: 0, abandoned: 1 });
  assert.deepEqual(await readdir(join(directory, 'mp0/@ais/bucket/%ut')), [live]);
  await store.close();
});

test('a PUT over a chunked object removes its chunk set, with or without version numbering', async () => {
  const directory = join(root, 'replace');
  const store = await openTestStore(directory, 1);
  for (const versioning of [false, true]) {
    const name = `replaced-${versioning}`;
    await completed(store, name);
    const body = bodyOf('new bytes');
    await store.putObject({ bucket: testBucket, name, body, checksumType: 'xxhash', versioning });
  }
  assert.deepEqual(await readdir(join(directory, 'mp0/@ais/bucket/%ut')), []);
  await store.close();
});
