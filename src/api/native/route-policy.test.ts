// Unit tests for the native route policy: served, off, refused-by-name (501) and unknown (400).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import type { RequestContext } from '../common/request-context.js';
import {
  checkAction,
  checkQuery,
  objectOperation,
  refusedAction,
  type NativeScope,
} from './route-policy.js';
import { getHeaderList } from './object-headers.js';
import type { NativeApiPorts, ObjectInfo } from './ports.js';
import { createNativeHandler } from './router.js';

function codeOf(method: string, search: string, scope: NativeScope = 'object', action?: string) {
  const context = { method, query: new URLSearchParams(search) } as unknown as RequestContext;
  try {
    checkQuery(context, scope, scope === 'object' ? objectOperation(context, action) : '');
    return 'ok';
  } catch (error) {
    if (!isStoreError(error)) throw error;
    return `${error.code}: ${error.message}`;
  }
}

test('bucket identity, redirect markers and signatures pass everywhere', () => {
  const search = 'provider=ais&namespace=%40%23&pid=p&utm=u&vpams=3&x=n&u=s&sln=true';
  for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'POST'])
    assert.equal(codeOf(method, search), 'ok', method);
});

test('AIStore parameters Cairn does not serve are refused by name with 501', () => {
  assert.match(
    codeOf('GET', 'object_to=ais/@%23/b2/o2'),
    /^NotImplemented: query parameter "object_to" \(single-object copy\) is not implemented/,
  );
  for (const search of [
    'archpath=x&object_to=ais/@%23/b2/o2',
    'partNumber=1',
    'append_handle=h',
    'synchronize=true',
    'object_to=ais/@%23/b2/o2&append_type=append',
    'append_type=append&uploadId=u',
    'uploads',
    'etl_name=e',
    'latest-ver=true',
    'skip_vc=1',
    'bck_to=ais/@%23/b2/',
  ])
    assert.match(codeOf('PUT', search), /^NotImplemented: query parameter/, search);
  assert.match(codeOf('HEAD', 'presence=5'), /"presence=5"/);
  // A bucket summary is served on HEAD bucket (with its job ID), nowhere else.
  assert.equal(codeOf('HEAD', 'bsumm_remote=false&uuid=Xq1w2e3r4', 'bucket'), 'ok');
  assert.match(codeOf('HEAD', 'bsumm_remote=true'), /bucket summary/);
  assert.match(codeOf('GET', 'bsumm_remote=true', 'bucket'), /bucket summary/);
  // A flag the route reads with a value that is no boolean is a bad request (501 says "not built").
  assert.match(codeOf('PATCH', 'set-new-custom=maybe'), /^BadRequest: invalid value "maybe"/);
  assert.match(codeOf('GET', 'latest-ver=maybe'), /^BadRequest: .*"latest-ver" \(expected true/);
});

test('copy, append, multipart and shard operations accept their own parameters only', () => {
  for (const search of [
    'object_to=ais/@%23/b2/o2&latest-ver=true&synchronize=false',
    'append_type=append&append_handle=',
    'append_type=flush&append_handle=h',
    'uploadId=u&partNumber=1',
    'archpath=a/b.txt&archmime=.tar',
  ])
    assert.equal(codeOf('PUT', search), 'ok', search);
  // Shard reads; `archmode` and `archregx` are not parameters of a PUT into a shard.
  assert.equal(codeOf('GET', 'archregx=x&archmode=wdskey&archmime=.zip'), 'ok');
  assert.match(codeOf('PUT', 'archpath=a&archmode=prefix'), /query parameter "archmode"/);
  assert.equal(codeOf('POST', 'uploadId=u', 'object', 'mpt-complete'), 'ok');
  assert.equal(codeOf('DELETE', 'uploadId=u', 'object', 'mpt-abort'), 'ok');
  assert.match(codeOf('DELETE', 'uploadId=u'), /^NotImplemented/);
  assert.match(codeOf('POST', 'uploadId=u', 'object', 'mpt-upload'), /^NotImplemented/);
  assert.match(codeOf('PUT', 'append_type=prepend'), /"append_type=prepend"/);
  checkAction('object', 'POST', 'mpt-upload');
  checkAction('object', 'DELETE', 'mpt-abort');
  assert.throws(() => checkAction('object', 'POST', 'mpt-abort'), { code: 'NotImplemented' });
  assert.throws(() => checkAction('objects', 'POST', 'mpt-upload'), { code: 'NotImplemented' });
});

test('values that mean "off" pass as in AIStore; unknown parameters are a 400', () => {
  for (const search of ['latest-ver=false', 'archpath=', 'append_type=', 'presence=0', 'frc=F'])
    assert.equal(codeOf('GET', search), 'ok', search);
  assert.equal(codeOf('HEAD', 'props=size,checksum&presence=2'), 'ok');
  assert.equal(codeOf('GET', 'x-cairn-substitute-for=t1'), 'ok');
  assert.match(codeOf('PUT', 'x-cairn-substitute-for=t1'), /^BadRequest/);
  assert.equal(codeOf('PATCH', 'set-new-custom=true'), 'ok');
  assert.equal(codeOf('GET', 'presence=2', 'buckets'), 'ok');
  assert.match(codeOf('GET', 'nosuch=1'), /^BadRequest: invalid query parameter "nosuch"/);
  assert.match(codeOf('GET', 'constructor=1'), /^BadRequest/);
  assert.match(codeOf('PUT', 'props=size'), /^NotImplemented/);
});

test('actions: served ones pass, AIStore ones are 501, others 400', () => {
  checkAction('bucket', 'POST', 'create-bck');
  checkAction('object', 'PATCH', '');
  assert.throws(() => checkAction('object', 'POST', 'rename-obj'), /object action "rename-obj"/);
  assert.throws(() => checkAction('bucket', 'POST', 'destroy-bck'), { code: 'NotImplemented' });
  checkAction('bucket', 'DELETE', 'evict-remote-bck');
  assert.throws(() => checkAction('bucket', 'DELETE', 'destroy-inventory'), {
    code: 'NotImplemented',
  });
  checkAction('bucket', 'PUT', 'archive');
  assert.throws(() => checkAction('bucket', 'PUT', 'copy-bck'), { code: 'NotImplemented' });
  assert.throws(() => checkAction('bucket', 'POST', 'toString'), { code: 'BadRequest' });
  assert.equal(refusedAction('cluster', 'rotate-logs').code, 'NotImplemented');
  assert.equal(refusedAction('cluster', 'nope').code, 'BadRequest');
});

// The router (not an async function since session 49) must still answer a refusal before any route
// as a rejected promise: a throw out of the server's request listener would end the process.
test('the native router refuses an unknown resource or version with a rejected promise', async () => {
  const handler = createNativeHandler({} as unknown as NativeApiPorts);
  const contexts = [
    { segments: ['v1', 'nosuch'], path: '/v1/nosuch', intra: false, method: 'GET' },
    { segments: ['v2', 'objects'], path: '/v2/objects', intra: false, method: 'GET' },
    { segments: ['v1', 'objects', ''], path: '/v1/objects/', intra: false, method: 'GET' },
  ];
  for (const context of contexts) {
    let answer: Promise<void> | undefined;
    assert.doesNotThrow(() => {
      answer = handler(context as unknown as RequestContext);
    }, context.path);
    await assert.rejects(answer as Promise<void>, { code: 'BadRequest' }, context.path);
  }
});

// Here, not in a file of its own: src/api/native holds 17 .ts files already.
test("a GET's header list: each object's own access time and date, as kept texts change", () => {
  const info = (accessTimeNs: bigint, modifiedTimeMs: number): ObjectInfo => ({
    bucket: { name: 'b', provider: 'ais' },
    name: 'o',
    size: 4096,
    checksum: { type: 'xxhash2', value: 'abc' },
    customMetadata: { k: 'v' },
    copies: [],
    accessTimeNs,
    modifiedTimeMs,
    mountpath: '/mp',
  });
  const field = (list: string[], name: string): string | undefined => list[list.indexOf(name) + 1];
  const times: [bigint, number][] = [
    [1_765_000_000_123_456_789n, 1_765_000_000_123],
    [1_765_000_000_123_456_789n, 1_765_000_000_123],
    [9n, 0],
    [1_765_000_000_123_456_789n, 1_765_000_001_000],
    [0n, 1_765_000_000_123],
  ];
  for (const [ns, ms] of times) {
    const list = getHeaderList(info(ns, ms), undefined);
    assert.equal(field(list, 'ais-atime'), String(ns));
    assert.equal(field(list, 'last-modified'), new Date(ms).toUTCString());
  }
});
