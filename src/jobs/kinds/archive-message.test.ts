// Unit tests for the archive job's message (ArchiveBckMsg): keys in any case at every level, flags
// that are not booleans refused, a shard name that cannot be an object refused before any job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import { parseArchiveMessage } from './archive-job.js';

const refused = (value: unknown, code: string, pattern: RegExp): void => {
  assert.throws(
    () => parseArchiveMessage(value),
    (error: unknown) => isStoreError(error) && error.code === code && pattern.test(error.message),
  );
};

test('the shard bucket is read with its keys in any case, namespace included', () => {
  const args = parseArchiveMessage({
    archname: 'k.tar',
    objnames: ['a'],
    ToBck: { Name: 'dst', Provider: 'ais', Namespace: { uuid: '', name: 'ns' } },
  });
  assert.deepEqual(args.to, { name: 'dst', provider: 'ais', namespace: { uuid: '', name: 'ns' } });
  const upper = parseArchiveMessage({
    archname: 'k.tar',
    tobck: { name: 'dst', namespace: { UUID: 'u1', Name: 'ns' } },
  });
  assert.deepEqual(upper.to, {
    name: 'dst',
    provider: 'ais',
    namespace: { uuid: 'u1', name: 'ns' },
  });
  refused(
    { archname: 'k.tar', tobck: { name: 'dst', namespace: 'ns' } },
    'BadRequest',
    /namespace/,
  );
});

test("an empty tobck (Go's zero cmn.Bck) or none means the source bucket; a bad one is refused", () => {
  const empty = { name: '', provider: '', namespace: { uuid: '', name: '' } };
  assert.equal(parseArchiveMessage({ archname: 'k.tar', tobck: empty }).to, undefined);
  assert.equal(parseArchiveMessage({ archname: 'k.tar', tobck: { name: '' } }).to, undefined);
  refused({ archname: 'k.tar', tobck: { name: '', provider: 'ais' } }, 'BadRequest', /tobck/);
  assert.equal(parseArchiveMessage({ archname: 'k.tar' }).to, undefined);
  refused({ archname: 'k.tar', tobck: { name: 'd', provider: 'nope' } }, 'BadRequest', /tobck/);
  refused({ archname: 'k.tar', tobck: 'dst' }, 'BadRequest', /tobck/);
});

test('flags must be booleans', () => {
  for (const flag of ['aate', 'coer', 'bnonly', 'isbn', 'non-recurs']) {
    refused({ archname: 'k.tar', [flag]: 'yes' }, 'BadRequest', new RegExp(flag));
  }
  const args = parseArchiveMessage({
    archname: 'k.tar',
    AATE: true,
    Coer: true,
    'NON-RECURS': true,
  });
  assert.equal(args.appendToExisting, true);
  assert.equal(args.continueOnError, true);
  assert.equal(args.nonRecursive, true);
  assert.equal(args.baseNameOnly, false);
});

test('a shard name that cannot be an object name is refused up front', () => {
  refused({ archname: '../x.tar' }, 'InvalidObjectName', /\.\./);
  refused({ archname: 'x.rar' }, 'BadRequest', /extension/);
});

test('an empty objnames list is the whole bucket, as in AIStore', () => {
  assert.deepEqual(parseArchiveMessage({ archname: 'k.tar', objnames: [] }).selection, {
    template: '',
  });
  assert.deepEqual(parseArchiveMessage({ archname: 'k.tar' }).selection, { template: '' });
  assert.deepEqual(parseArchiveMessage({ archname: 'k.tar', objnames: ['a'] }).selection, {
    objnames: ['a'],
  });
});
