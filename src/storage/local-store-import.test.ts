// Unit tests for versions stored again (rebalance, resilver, EC restore) in a bucket that keeps
// history: each keeps its ID, stamp and S3 attributes and takes its place by stamp, whatever the
// order of arrival; a version already here is not stored twice; a newer delete marker hides the
// current object.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { LocalStore } from './local-store.js';
import {
  bodyOf,
  makeTemporaryDirectory,
  openTestStore,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';
import type { StoredObject } from './store-types.js';

let root = '';
before(async () => {
  root = await makeTemporaryDirectory();
});
after(async () => {
  await removeTemporaryDirectory(root);
});

/** Stores `object` (as read elsewhere) with `data` into `store`, as a move would. */
async function importInto(store: LocalStore, object: StoredObject, data: Buffer): Promise<void> {
  await store.putObject({
    bucket: testBucket,
    name: object.name,
    body: bodyOf(data),
    contentLength: data.length,
    checksumType: object.checksum.type,
    versioning: false,
    customMetadata: object.customMetadata,
    attributes: {
      ...(object.etag === undefined ? {} : { etag: object.etag }),
      contentHeaders: object.contentHeaders,
      tags: object.tags,
      ...(object.versionId === undefined ? {} : { versionId: object.versionId }),
      ...(object.versionStamp === undefined ? {} : { versionStamp: object.versionStamp }),
      ...(object.deleteMarker === true ? { deleteMarker: true } : {}),
    },
    history: 'enabled',
    migration: { modifiedTimeMs: object.modifiedTimeMs },
  });
}

async function history(store: LocalStore, name: string): Promise<string[]> {
  const listed = await store.listVersions(testBucket, { prefix: name, startAfter: '', limit: 10 });
  return listed.map(
    (version) =>
      `${version.versionId ?? 'null'}${version.isLatest ? '*' : ''}${version.deleteMarker === true ? 'D' : ''}`,
  );
}

test('versions arriving newest first end up as the history they were', async () => {
  const source = await openTestStore(join(root, 'source'), 1);
  const target = await openTestStore(join(root, 'target'), 2, {}, 'target-2');
  const name = 'dir/object';
  const contents = ['first', 'second', 'third'].map((text) => Buffer.from(text));
  for (const [index, data] of contents.entries()) {
    await source.putObject({
      bucket: testBucket,
      name,
      body: bodyOf(data),
      checksumType: 'xxhash',
      versioning: false,
      history: 'enabled',
      tags: { index: String(index) },
      contentHeaders: { 'content-type': 'text/plain' },
    });
  }
  await source.deleteObject(testBucket, name, { history: 'enabled' });
  const kept = await source.keptVersions(testBucket, name);
  assert.equal(kept.length, 4, 'three versions and a delete marker');
  // Newest first: the delete marker, then objects that are each older than what is there.
  for (const version of [...kept].reverse()) {
    const read = await source.getObject(testBucket, name, undefined, {
      versionId: version.versionId,
    });
    await importInto(target, read.object, await readAll(read.body));
  }
  // Again: every version is here already, nothing is stored twice.
  await importInto(target, kept[0] as StoredObject, contents[0] as Buffer);
  assert.deepEqual(await history(target, name), await history(source, name));
  await assert.rejects(target.headObject(testBucket, name), 'the delete marker is the latest');
  for (const [index, version] of kept.slice(0, 3).entries()) {
    const read = await target.getObject(testBucket, name, undefined, {
      versionId: version.versionId,
    });
    assert.deepEqual(await readAll(read.body), contents[index]);
    assert.equal(read.object.versionStamp, version.versionStamp);
    assert.deepEqual(read.object.tags, { index: String(index) });
    assert.deepEqual(read.object.contentHeaders, { 'content-type': 'text/plain' });
  }
});

test('an older version moving in stays behind a newer write here; a newer one becomes latest', async () => {
  const store = await openTestStore(join(root, 'order'), 1);
  const write = (text: string): Promise<StoredObject> =>
    store.putObject({
      bucket: testBucket,
      name: 'k',
      body: bodyOf(text),
      checksumType: 'xxhash',
      versioning: false,
      history: 'enabled',
    });
  const old = await write('old');
  await store.deleteObject(testBucket, 'k', { versionId: old.versionId });
  const local = await write('local');
  await importInto(store, old, Buffer.from('old'));
  assert.equal((await store.headObject(testBucket, 'k')).versionId, local.versionId);
  const newer = { ...old, versionId: 'N'.repeat(32), versionStamp: (local.versionStamp ?? 0) + 1 };
  await importInto(store, newer, Buffer.from('newer'));
  const latest = await store.getObject(testBucket, 'k');
  assert.equal(latest.object.versionId, newer.versionId);
  assert.equal((await readAll(latest.body)).toString(), 'newer');
  assert.deepEqual(await history(store, 'k'), [
    `${'N'.repeat(32)}*`,
    local.versionId,
    old.versionId,
  ]);
});
