// Unit tests for the native route policy: served, off, refused-by-name (501) and unknown (400).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import type { RequestContext } from '../common/request-context.js';
import { checkAction, checkQuery, refusedAction, type NativeScope } from './route-policy.js';

function codeOf(method: string, search: string, scope: NativeScope = 'object'): string {
  const context = { method, query: new URLSearchParams(search) } as unknown as RequestContext;
  try {
    checkQuery(context, scope);
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
    codeOf('PUT', 'object_to=ais/@%23/b2/o2'),
    /^NotImplemented: query parameter "object_to" \(single-object copy\) is not implemented/,
  );
  for (const search of [
    'append_type=append',
    'append_type=flush',
    'archpath=x',
    'uploadId=u&partNumber=1',
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
  assert.match(codeOf('PATCH', 'set-new-custom=maybe'), /NotImplemented/);
});

test('values that mean "off" pass as in AIStore; unknown parameters are a 400', () => {
  for (const search of ['latest-ver=false', 'archpath=', 'append_type=', 'presence=0', 'frc=F'])
    assert.equal(codeOf('GET', search), 'ok', search);
  assert.equal(codeOf('HEAD', 'props=size,checksum&presence=2'), 'ok');
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
  assert.throws(() => checkAction('bucket', 'DELETE', 'evict-remote-bck'), {
    code: 'NotImplemented',
  });
  assert.throws(() => checkAction('bucket', 'PUT', 'archive'), { code: 'NotImplemented' });
  assert.throws(() => checkAction('bucket', 'POST', 'toString'), { code: 'BadRequest' });
  assert.equal(refusedAction('cluster', 'rotate-logs').code, 'NotImplemented');
  assert.equal(refusedAction('cluster', 'nope').code, 'BadRequest');
});
