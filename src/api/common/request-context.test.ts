// Unit tests of the request context: path and query split once, segments decoded one by one, and
// malformed percent-encoding refused when the context is made (the node's stats read the segments
// of every request once it ends, so a later throw would escape from a 'close' listener).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isStoreError } from '../../errors/index.js';
import { createLogger } from '../../util/log.js';
import { createRequestContext, pathSegments } from './request-context.js';

function contextFor(url: string) {
  const req = { url, method: 'GET', socket: { remoteAddress: '127.0.0.1' } } as IncomingMessage;
  return createRequestContext(req, {} as ServerResponse, {
    nodeId: 'n1',
    intra: false,
    log: createLogger({}, 'error'),
  });
}

test('path, query and segments; %2F stays inside its segment', () => {
  const context = contextFor('/v1/objects/b/a%2Fb/c?provider=ais&x=1');
  assert.equal(context.path, '/v1/objects/b/a%2Fb/c');
  assert.equal(context.search, '?provider=ais&x=1');
  assert.equal(context.query.get('provider'), 'ais');
  assert.deepEqual(context.segments, ['v1', 'objects', 'b', 'a/b', 'c']);
  assert.deepEqual(contextFor('/bucket/key').segments, ['bucket', 'key']);
  assert.equal(contextFor('/bucket/key').search, '');
});

test('malformed percent-encoding is a BadRequest when the context is made', () => {
  assert.throws(
    () => contextFor('/v1/objects/inputs/%zz'),
    (error: unknown) => isStoreError(error) && error.code === 'BadRequest',
  );
  assert.throws(
    () => contextFor('no-slash'),
    (error: unknown) => isStoreError(error),
  );
});

test('segments split by indexOf are those of split: empty segments, trailing and repeated slashes', () => {
  const paths = [
    '/',
    '//',
    '/v1',
    '/v1/',
    '/v1/objects/b/o',
    '/v1/objects/b/a/b/c/',
    '//a//b',
    '/a/%2F/',
    '/é/ü',
  ];
  for (const path of paths) {
    assert.deepEqual(pathSegments(path), path.split('/').slice(1), path);
    assert.deepEqual(
      contextFor(path).segments,
      path.split('/').slice(1).map(decodeURIComponent),
      path,
    );
  }
});
