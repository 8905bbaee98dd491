// A native GET or HEAD served here looks its bucket up once: `redirect` (the unknown bucket's check,
// the 404) and the read share one lookup of bucket metadata; the bucket's readiness costs no wait
// when there is none. Other uses (no redirect before, a write) still resolve the bucket themselves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../../../api/common/index.js';
import { defaultBucketProps, type BucketEntry } from '../../../cluster/index.js';
import { isStoreError } from '../../../errors/index.js';
import type { EncryptionRecord } from '../../../storage/index.js';
import type { BucketJson } from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { BlobDownloads } from '../blob/blob-downloads.js';
import type { ShardIndexes } from '../shards/shard-indexes.js';
import type { ObjectEncryption } from './object-encryption.js';
import type { ObjectService } from './object-service.js';
import { resolvedBucket, type ObjectRead, type ObjectTarget } from './object-types.js';
import { TargetObjects } from './target-objects.js';

function fixture(
  options: {
    known?: string[];
    ready?: Promise<void>;
    cached?: ObjectRead;
    /** The record the decryption says it parsed (absent: the read as fetched). */
    decrypted?: EncryptionRecord;
  } = {},
) {
  const counts = { lookups: 0, resolves: 0, readyWaits: 0, decryptions: 0 };
  const known = new Set(options.known ?? ['b']);
  const bucketMetadata = {
    version: 1,
    get: (bucket: BucketJson): BucketEntry | undefined => {
      counts.lookups += 1;
      if (!known.has(bucket.name)) return undefined;
      return { bucket, props: defaultBucketProps('ais', 'xxhash', 1n) };
    },
  };
  const self = { id: 'self', publicUrl: 'http://self' };
  const runtime = {
    id: 'self',
    store: {
      bucketMetadata,
      clusterMap: { version: 1, primary: undefined, ownerOf: () => self },
    },
  } as unknown as NodeRuntime;
  const reads: ObjectTarget[] = [];
  const objects = {
    store: {},
    bucketReady: () => {
      if (options.ready === undefined) return undefined;
      counts.readyWaits += 1;
      return options.ready;
    },
    resolve: (bucket: BucketJson) => {
      counts.resolves += 1;
      const entry = bucketMetadata.get(bucket);
      if (entry === undefined) throw new Error('not found');
      return resolvedBucket(bucket, entry.props);
    },
    getCached: () => options.cached,
    get: (target: ObjectTarget): Promise<ObjectRead> => {
      reads.push(target);
      const object = {
        bucket: target.bucket.bucket,
        name: target.name,
        size: 1,
        customMetadata: {},
      };
      return Promise.resolve({ object, body: {}, range: undefined } as unknown as ObjectRead);
    },
  } as unknown as ObjectService;
  const encryption = {
    read: (fetch: (header: string | undefined) => Promise<ObjectRead>, header?: string) => {
      counts.decryptions += 1;
      const { decrypted } = options;
      if (decrypted === undefined) return fetch(header);
      return fetch(header).then((read) => ({ ...read, encryption: decrypted }));
    },
  } as unknown as ObjectEncryption;
  const port = new TargetObjects(
    runtime,
    objects,
    {} as ShardIndexes,
    encryption,
    {} as BlobDownloads,
  );
  return { port, counts, reads };
}

function getContext(path: string): RequestContext {
  return { method: 'GET', path, search: '', query: new URLSearchParams() } as RequestContext;
}

const address = (name: string) => ({ bucket: { name, provider: 'ais' }, name: 'obj' });

test('a GET served here looks its bucket up once, redirect and read together', async () => {
  const { port, counts, reads } = fixture();
  const request = address('b');
  assert.equal(await port.redirect(request, getContext('/v1/objects/b/obj')), undefined);
  await port.get(request, undefined);
  assert.deepEqual(counts, { lookups: 1, resolves: 0, readyWaits: 0, decryptions: 1 });
  assert.equal(reads[0]?.bucket.props.provider, 'ais', 'the read has the resolved bucket');
  // The resolved bucket serves this request only: a read without a redirect resolves again.
  await port.get(request, undefined);
  assert.deepEqual(counts, { lookups: 2, resolves: 1, readyWaits: 0, decryptions: 2 });
});

test('two requests redirected before either reads: each reads its own bucket', async () => {
  const { port, counts, reads } = fixture({ known: ['a', 'b'] });
  const first = address('a');
  const second = address('b');
  assert.equal(await port.redirect(first, getContext('/v1/objects/a/obj')), undefined);
  assert.equal(await port.redirect(second, getContext('/v1/objects/b/obj')), undefined);
  // The first request's hand-off was taken by the second one's: it resolves its bucket anew.
  await port.get(first, undefined);
  await port.get(second, undefined);
  assert.deepEqual(
    reads.map((read) => read.bucket.bucket.name),
    ['a', 'b'],
  );
  assert.deepEqual(counts, { lookups: 3, resolves: 1, readyWaits: 0, decryptions: 2 });
});

test('a request that waits for its bucket, then a missing bucket, still answer as before', async () => {
  const { port, counts } = fixture({ known: [], ready: Promise.resolve() });
  // Redirected here by a node (so no unknown-bucket detour): 404 BucketNotFound.
  const context = {
    ...getContext('/v1/objects/gone/obj'),
    query: new URLSearchParams({ pid: 'p1' }),
  } as RequestContext;
  await assert.rejects(
    async () => port.redirect(address('gone'), context),
    (error: unknown) => isStoreError(error) && error.code === 'BucketNotFound',
  );
  assert.deepEqual(counts, { lookups: 1, resolves: 0, readyWaits: 1, decryptions: 0 });
});

test('a content hit is served at once; an encrypted one goes to the decryption', async () => {
  const object = { bucket: { name: 'b', provider: 'ais' }, name: 'obj', size: 4 };
  const plain = { object: { ...object, customMetadata: { a: '1' } }, body: {}, range: undefined };
  const served = fixture({ cached: plain as unknown as ObjectRead });
  const read = await served.port.get(address('b'), undefined);
  assert.equal(read.body, plain.body);
  assert.deepEqual(read.object.customMetadata, { a: '1' });
  assert.equal(served.counts.decryptions, 0, 'not through the decryption');
  assert.equal(served.reads.length, 0, 'not through the object service');
  const record = JSON.stringify({ mode: 'SSE-S3', sealedKey: 'k', plainBytes: 4 });
  const sealed = { ...plain, object: { ...object, customMetadata: { 'cairn-sse': record } } };
  const decrypted = fixture({ cached: sealed as unknown as ObjectRead });
  await decrypted.port.get(address('b'), undefined);
  assert.equal(decrypted.counts.decryptions, 1, 'through the decryption');
  assert.equal(decrypted.reads.length, 0, 'which is handed the hit first');
});

test('a decrypted read is described from the record the decryption parsed, not parsed again', async () => {
  const object = { bucket: { name: 'b', provider: 'ais' }, name: 'obj', size: 44 };
  // The stored record says 4 plaintext bytes; the decryption hands on its own parse (3) to tell
  // which one the answer is described from.
  const stored = JSON.stringify({ mode: 'SSE-S3', sealedKey: 'k', plainBytes: 4 });
  const cached = { object: { ...object, customMetadata: { 'cairn-sse': stored, a: '1' } } };
  const parsed: EncryptionRecord = { mode: 'SSE-S3', sealedKey: 'k', plainBytes: 3 };
  const { port } = fixture({
    cached: { ...cached, body: {}, range: undefined } as unknown as ObjectRead,
    decrypted: parsed,
  });
  const read = await port.get(address('b'), undefined);
  assert.equal(read.object.size, 3);
  assert.deepEqual(read.object.customMetadata, { a: '1' }, 'the record is no user metadata');
  assert.deepEqual(read.object.checksum, { type: 'none', value: '' });
});

test('a GET served here: redirect and a content hit answer at once, no promise', async () => {
  const object = { bucket: { name: 'b', provider: 'ais' }, name: 'obj', size: 4 };
  const plain = { object: { ...object, customMetadata: {} }, body: {}, range: undefined };
  const { port, counts, reads } = fixture({ cached: plain as unknown as ObjectRead });
  const request = address('b');
  const location = port.redirect(request, getContext('/v1/objects/b/obj'));
  assert.equal(location, undefined, 'served here, at once');
  const read = port.get(request, undefined);
  assert.ok(!(read instanceof Promise), 'the hit at once');
  assert.equal(read.body, plain.body);
  assert.deepEqual(counts, { lookups: 1, resolves: 0, readyWaits: 0, decryptions: 0 });
  assert.equal(reads.length, 0);
  // Not a plain read (a stand-in's, an original URL's), or no redirect before: the async way.
  const other = address('b');
  assert.equal(port.redirect(other, getContext('/v1/objects/b/obj')), undefined);
  const withUrl = port.get(other, undefined, { originalUrl: 'http://x/obj' });
  assert.ok(withUrl instanceof Promise);
  await withUrl.catch(() => undefined); // refused: the bucket has no original URL
  const unrouted = port.get(address('b'), undefined);
  assert.ok(unrouted instanceof Promise);
  assert.equal((await unrouted).body, plain.body, 'the hit, the async way');
});

test('a redirect that waits for its bucket, or refuses, is still a promise', async () => {
  const waiting = fixture({ ready: Promise.resolve() });
  const pending = waiting.port.redirect(address('b'), getContext('/v1/objects/b/obj'));
  assert.ok(pending instanceof Promise);
  assert.equal(await pending, undefined);
  const { port } = fixture({ known: [] });
  const context = {
    ...getContext('/v1/objects/gone/obj'),
    query: new URLSearchParams({ pid: 'p1' }),
  } as RequestContext;
  const refused = port.redirect(address('gone'), context);
  assert.ok(refused instanceof Promise, 'a rejection, not a throw');
  await assert.rejects(
    refused,
    (error: unknown) => isStoreError(error) && error.code === 'BucketNotFound',
  );
});

test('a redirect from a node with a newer map waits for it, then serves or sends on', async () => {
  const other = { id: 'other', publicUrl: 'http://other' };
  const self = { id: 'self', publicUrl: 'http://self' };
  const maps = {
    v1: { version: 1, primary: undefined, ownerOf: () => other },
    mine: { version: 2, primary: undefined, ownerOf: () => self },
    v3: { version: 3, primary: undefined, ownerOf: () => other },
  };
  let map: { version: number } = maps.v1;
  let next: { version: number } = maps.mine;
  const waits: number[] = [];
  const runtime = {
    id: 'self',
    store: {
      bucketMetadata: {
        version: 7,
        get: (bucket: BucketJson): BucketEntry => ({
          bucket,
          props: defaultBucketProps('ais', 'xxhash', 1n),
        }),
      },
      get clusterMap() {
        return map;
      },
      config: { values: { keepalive: { interval_ms: 10 } } },
      waitForClusterMap: (version: number) => {
        waits.push(version);
        map = next;
        return Promise.resolve();
      },
    },
  } as unknown as NodeRuntime;
  const objects = { bucketReady: () => undefined } as unknown as ObjectService;
  const port = new TargetObjects(
    runtime,
    objects,
    {} as ShardIndexes,
    {} as ObjectEncryption,
    {} as BlobDownloads,
  );
  const context = {
    ...getContext('/v1/objects/b/obj'),
    search: '?pid=g1&vpams=2',
    query: new URLSearchParams({ pid: 'g1', vpams: '2' }),
  } as RequestContext;
  const served = port.redirect(address('b'), context);
  assert.ok(served instanceof Promise, 'it waits');
  assert.equal(await served, undefined, 'the new map makes it this target’s');
  map = maps.v1;
  next = maps.v3;
  const location = await port.redirect(address('b'), context);
  assert.equal(location, 'http://other/v1/objects/b/obj?pid=self&vpams=3&x-cairn-bmd-version=7');
  assert.deepEqual(waits, [2, 2]);
});
