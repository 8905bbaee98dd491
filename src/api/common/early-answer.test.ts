// Answers before routing: the request line read from a raw packet, and each API's error form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { earlyAnswer, parseRequestLine, rawHttpResponse } from './early-answer.js';

const origin = { nodeId: 'p1', remoteAddress: '127.0.0.1' };
const packet = (text: string): Buffer => Buffer.from(text, 'latin1');

test('the request line is read only when the packet starts with a whole one', () => {
  assert.deepEqual(parseRequestLine(packet('GET /v1/buckets?provider=ais HTTP/1.1\r\nHost: x')), {
    method: 'GET',
    path: '/v1/buckets',
  });
  assert.equal(parseRequestLine(packet('aaaaaaaaaaaa\r\n')), undefined);
  assert.equal(parseRequestLine(packet('GET /v1/buckets HTTP/1.1')), undefined);
  assert.equal(parseRequestLine(packet('GET http://h/v1 HTTP/1.1\r\n')), undefined);
  assert.equal(parseRequestLine(undefined), undefined);
});

test('native requests get the ErrHTTP JSON (in Hdr-Error for HEAD), S3 ones XML', () => {
  const native = earlyAnswer(
    'RequestHeaderTooLarge',
    'too large',
    { method: 'GET', path: '/v1/buckets' },
    origin,
  );
  assert.equal(native.status, 431);
  assert.equal(native.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(native.body), {
    message: 'too large',
    method: 'GET',
    url_path: '/v1/buckets',
    remote_addr: '127.0.0.1',
    caller: '',
    node: 'p1',
    status: 431,
    tcode: 'RequestHeaderTooLarge',
  });
  const head = earlyAnswer(
    'BadRequest',
    'bad',
    { method: 'HEAD', path: '/v1/objects/b/o' },
    origin,
  );
  assert.equal(head.body, '');
  assert.equal((JSON.parse(head.headers['hdr-error'] ?? '') as { status: number }).status, 400);
  const s3 = earlyAnswer('RequestHeaderTooLarge', 'a<b', { method: 'PUT', path: '/b/k' }, origin);
  assert.equal(s3.status, 431);
  assert.match(s3.body, /<Code>RequestHeaderSectionTooLarge<\/Code><Message>a&#60;b<\/Message>/);
  const unknown = earlyAnswer('RequestHeaderTooLarge', 'too large', undefined, origin);
  assert.deepEqual([unknown.status, unknown.body], [431, 'too large\n']);
});

test('the raw response is framed and closes the connection', () => {
  const text = rawHttpResponse({ status: 431, headers: { 'content-type': 'x' }, body: 'é' });
  assert.equal(
    text,
    'HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: x\r\ncontent-length: 2\r\n' +
      'connection: close\r\n\r\né',
  );
});
