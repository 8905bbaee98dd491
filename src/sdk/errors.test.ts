// Unit tests for ErrHTTP parsing and error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApiError,
  TransportError,
  describeError,
  isConnectionError,
  parseErrorBody,
} from './errors.js';

const errHttp = {
  message: 'bucket "ais://abc" does not exist',
  method: 'HEAD',
  url_path: '/v1/buckets/abc',
  remote_addr: '127.0.0.1:5000',
  caller: '',
  node: 'p[xyz]',
  status: 404,
};

test('parses an ErrHTTP body, keeping tcode', () => {
  const body = parseErrorBody(JSON.stringify({ ...errHttp, tcode: 'bucket-not-found' }));
  assert.deepEqual(body, { ...errHttp, tcode: 'bucket-not-found' });
});

test('fills missing ErrHTTP fields and rejects non-ErrHTTP text', () => {
  assert.deepEqual(parseErrorBody('{"message":"boom"}'), {
    message: 'boom',
    method: '',
    url_path: '',
    remote_addr: '',
    caller: '',
    node: '',
    status: 0,
  });
  assert.equal(parseErrorBody('plain text failure'), undefined);
  assert.equal(parseErrorBody('[1,2]'), undefined);
  assert.equal(parseErrorBody('{"status":500}'), undefined);
});

test('ApiError message: operation, status and the server message', () => {
  const error = new ApiError(
    { text: 'HEAD ais://abc', subject: 'bucket "ais://abc"' },
    404,
    errHttp,
  );
  assert.equal(error.message, 'HEAD ais://abc: 404 bucket "ais://abc" does not exist');
  assert.equal(error.status, 404);
  assert.equal(error.detail, 'bucket "ais://abc" does not exist');
  assert.equal(error.operation, 'HEAD ais://abc');
  assert.equal(error.body?.node, 'p[xyz]');
});

test('ApiError without a body: plain text, else made up from the subject or status', () => {
  const label = { text: 'GET ais://b/o', subject: 'ais://b/o' };
  assert.equal(new ApiError(label, 500, undefined, 'disk on fire\n').detail, 'disk on fire');
  assert.equal(new ApiError(label, 404).detail, 'ais://b/o does not exist');
  assert.equal(new ApiError({ text: 'list buckets' }, 503).detail, 'Service Unavailable');
});

test('connection errors are recognised by code', () => {
  const label = { text: 'GET ais://b/o' };
  assert.equal(isConnectionError(new TransportError(label, 'x', { code: 'ECONNREFUSED' })), true);
  assert.equal(isConnectionError(new TransportError(label, 'x', { code: 'ETIMEDOUT' })), false);
  assert.equal(isConnectionError(new Error('ECONNREFUSED')), false);
});

test('describeError unwraps empty AggregateErrors and adds codes', () => {
  const inner = Object.assign(new Error('connect failed'), { code: 'ECONNREFUSED' });
  assert.equal(describeError(new AggregateError([inner], '')), 'connect failed (ECONNREFUSED)');
  assert.equal(describeError('text'), 'text');
});
