// The SDK's copy, append and native multipart requests carry AIStore's exact wire shapes (checked
// against a stub gateway): object_to unames, flags, percent-encoded handles, action messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from './client.js';
import { objectUnameOf } from './object-writes.js';
import { parseAppendHandle, parseObjectUname } from '../wire/index.js';
import { startStubNode } from './stub-node.test-helper.js';

const bucket = { name: 'b', provider: 'ais' };
const handle = 't1|/mp/@ais/b/%wk/append.0123456789abcdef.1f|xxhash|AQ+/=';

test('copy, append, flush and multipart requests', async (t) => {
  const gateway = await startStubNode((request, response) => {
    if (request.url.searchParams.get('append_type') === 'append')
      response.setHeader('ais-append-handle', handle);
    if (request.method === 'POST' && request.body.toString().includes('mpt-upload'))
      return response.end('Upl0ad-1d');
    response.end();
  });
  const client = new Client(gateway.url, { direct: false });
  t.after(async () => {
    await client.close();
    await gateway.close();
  });
  const namespaced = { name: 'd', provider: 'ais', namespace: { uuid: 'u', name: 'n' } };
  await client.copyObject(bucket, 'a/b', { bucket: namespaced, name: 'c/d' }, { latest: true });
  assert.equal(await client.appendObject(bucket, 'o', 'bytes', { handle: '' }), handle);
  await client.appendObject(bucket, 'o', 'more', { handle });
  await client.flushObject(bucket, 'o', handle, { checksum: { type: 'xxhash', value: 'ab' } });
  assert.equal(await client.createMultipartUpload(bucket, 'm'), 'Upl0ad-1d');
  await client.uploadPart(bucket, 'm', 'Upl0ad-1d', 2, 'part');
  await client.completeMultipartUpload(bucket, 'm', 'Upl0ad-1d', [2, 1]);
  await client.abortMultipartUpload(bucket, 'm', 'Upl0ad-1d');

  const [copy, first, next, flush, create, part, complete, abort] = gateway.requests;
  assert.equal(copy?.method, 'PUT');
  assert.equal(copy?.url.pathname, '/v1/objects/b/a/b');
  assert.equal(copy?.url.searchParams.get('object_to'), 'ais/@u#n/d/c/d');
  assert.equal(copy?.url.searchParams.get('latest-ver'), 'true');
  assert.equal(copy?.url.searchParams.get('synchronize'), 'false');
  assert.equal(copy?.body.length, 0);
  assert.equal(first?.url.search, '?provider=ais&append_type=append&append_handle=');
  assert.equal(first?.body.toString(), 'bytes');
  // `+`, `/` and `=` of the handle travel percent-encoded.
  assert.match(next?.url.search ?? '', /append_handle=t1%7C%2Fmp%2F.*AQ%2B%2F%3D$/);
  assert.equal(next?.url.searchParams.get('append_handle'), handle);
  assert.equal(flush?.url.searchParams.get('append_type'), 'flush');
  assert.equal(flush?.headers['ais-checksum-type'], 'xxhash');
  assert.deepEqual(JSON.parse(create?.body.toString() ?? ''), {
    action: 'mpt-upload',
    name: '',
    value: null,
  });
  assert.equal(part?.url.search, '?provider=ais&uploadId=Upl0ad-1d&partNumber=2');
  assert.equal(complete?.method, 'POST');
  assert.equal(complete?.url.searchParams.get('uploadId'), 'Upl0ad-1d');
  assert.deepEqual(JSON.parse(complete?.body.toString() ?? ''), {
    action: 'mpt-complete',
    name: '',
    value: [
      { 'part-number': 2, etag: '' },
      { 'part-number': 1, etag: '' },
    ],
  });
  assert.equal(abort?.method, 'DELETE');
  assert.equal(abort?.url.searchParams.get('uploadId'), 'Upl0ad-1d');
  assert.match(abort?.body.toString() ?? '', /^\{"action":"mpt-abort"/);
});

test("object unames are AIStore's: provider, namespace, bucket, name", () => {
  assert.equal(objectUnameOf({ bucket, name: 'x/y' }), 'ais/@#/b/x/y');
  assert.deepEqual(parseObjectUname('ais/@#/b/x/y'), { bucket, objectName: 'x/y' });
  assert.deepEqual(parseObjectUname('s3/@u#n/b/o'), {
    bucket: { name: 'b', provider: 'aws', namespace: { uuid: 'u', name: 'n' } },
    objectName: 'o',
  });
  assert.equal(parseObjectUname('ais/@#/b/'), 'missing object name');
  assert.equal(parseObjectUname('ais/b/o'), 'invalid namespace "b"');
  assert.equal(parseObjectUname('nope/@#/b/o'), 'invalid provider "nope"');
  assert.equal(parseAppendHandle('a|b|c'), undefined);
  assert.deepEqual(parseAppendHandle(handle), {
    nodeId: 't1',
    workPath: '/mp/@ais/b/%wk/append.0123456789abcdef.1f',
    checksumType: 'xxhash',
    state: 'AQ+/=',
  });
});
