// Which bit each native request needs, and the allow/deny decision from token permissions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Access, accessReadWrite } from './access.js';
import { isAllowed } from './claims.js';
import { requiredAccess } from './required-access.js';

const need = (method: string, path: string, action?: string): ReturnType<typeof requiredAccess> => {
  const [pathPart = '', search = ''] = path.split('?');
  return requiredAccess({
    method,
    segments: pathPart.split('/').filter(Boolean),
    query: new URLSearchParams(search),
    action,
  });
};

test('object requests need the bit of their method, on their bucket', () => {
  assert.deepEqual(need('GET', 'objects/b/o'), {
    kind: 'access',
    access: Access.get,
    bucket: { name: 'b', provider: 'ais', namespace: '' },
  });
  const append = need('PUT', 'objects/b/o?append_type=append');
  assert.equal(append.kind === 'access' && append.access, Access.append);
  const rename = need('POST', 'objects/b/o', 'rename-obj');
  assert.equal(rename.kind === 'access' && rename.access, Access.objMove);
});

test("a download's start needs read-write access to its destination (AIStore's check)", () => {
  const bucket = { name: 'b', provider: 'ais', namespace: '' };
  const start = requiredAccess({
    method: 'POST',
    segments: ['download'],
    query: new URLSearchParams(),
    downloadBucket: bucket,
  });
  assert.deepEqual(start, { kind: 'access', access: accessReadWrite, bucket });
  const status = need('GET', 'download');
  assert.equal(status.kind === 'access' && status.access, Access.showCluster);
  const abort = need('DELETE', 'download/abort');
  assert.equal(abort.kind === 'access' && abort.access, Access.admin);
});

test('bucket actions map to their bits; unknown actions need admin', () => {
  const create = need('POST', 'buckets/b', 'create-bck');
  assert.deepEqual(create, { kind: 'access', access: Access.createBucket });
  const destroy = need('DELETE', 'buckets/b', 'destroy-bck');
  assert.equal(destroy.kind === 'access' && destroy.access, Access.destroyBucket);
  const unknown = need('POST', 'buckets/b', 'something-new');
  assert.equal(unknown.kind === 'access' && unknown.access, Access.admin);
  const listAll = need('GET', 'buckets');
  assert.equal(listAll.kind === 'access' && listAll.access, Access.listBuckets);
});

test('health and the cluster map are open; cluster changes need admin', () => {
  assert.equal(need('GET', 'health').kind, 'open');
  assert.equal(need('GET', 'daemon?what=smap').kind, 'open');
  const config = need('GET', 'daemon?what=config');
  assert.equal(config.kind === 'access' && config.access, Access.showCluster);
  const setConfig = need('PUT', 'cluster/set-config');
  assert.equal(setConfig.kind === 'access' && setConfig.access, Access.admin);
});

test('a bucket ACL replaces the cluster permissions for that bucket', () => {
  const user = {
    username: 'u',
    admin: false,
    clusters: [{ id: 'C', perm: Access.get | Access.put }],
    buckets: [{ bck: { name: 'ro-bucket' }, perm: Access.get }],
  };
  const bucket = (name: string): { name: string; provider: string; namespace: string } => ({
    name,
    provider: 'ais',
    namespace: '',
  });
  assert.ok(isAllowed(user, 'C', Access.put, bucket('other')));
  assert.ok(!isAllowed(user, 'C', Access.put, bucket('ro-bucket')));
  assert.ok(isAllowed(user, 'C', Access.get, bucket('ro-bucket')));
  assert.ok(!isAllowed(user, 'another-cluster', Access.get, bucket('other')));
  assert.ok(isAllowed({ ...user, admin: true }, 'X', Access.admin));
});
