// Unit tests of the SigV4 primitives the gateway checks every S3 request with: AWS's documented
// examples (GET Object with a range, PUT Object with a key that needs encoding, ListObjects with a
// query), and the fast paths for paths and queries that are already canonical, which must give
// what the full decode-and-encode gives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  deriveSigningKey,
  emptySha256,
  signatureMatches,
  stringToSign,
} from './signature-v4.js';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const scope = '20130524/us-east-1/s3/aws4_request';
const signingKey = deriveSigningKey(secret, '20130524', 'us-east-1', 's3');

/** A request as the server parser leaves it: only the raw header list is read. */
function requestWith(rawHeaders: string[]): IncomingMessage {
  return { rawHeaders } as unknown as IncomingMessage;
}

function expectSignature(
  raw: string[],
  parts: { method: string; rawPath: string; rawSearch: string; payloadHash: string },
  signedHeaders: string[],
  signature: string,
): void {
  const canonical = canonicalRequest(requestWith(raw), { ...parts, signedHeaders });
  const text = stringToSign('20130524T000000Z', scope, canonical);
  assert.equal(signatureMatches(signingKey, text, signature), true);
  const wrong = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
  assert.equal(signatureMatches(signingKey, text, wrong), false);
  assert.equal(signatureMatches(signingKey, text, signature.slice(0, 10)), false);
  assert.equal(signatureMatches(signingKey, text, 'z'.repeat(64)), false);
}

test("AWS's GET Object example (a range header) verifies, and any other signature does not", () => {
  expectSignature(
    [
      'Host',
      'examplebucket.s3.amazonaws.com',
      'Range',
      'bytes=0-9',
      'x-amz-content-sha256',
      emptySha256,
      'x-amz-date',
      '20130524T000000Z',
    ],
    { method: 'GET', rawPath: '/test.txt', rawSearch: '', payloadHash: emptySha256 },
    ['host', 'range', 'x-amz-content-sha256', 'x-amz-date'],
    'f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
  );
});

test("AWS's PUT Object example: a key with `$` is encoded in the canonical URI", () => {
  const payload = '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072';
  expectSignature(
    [
      'Host',
      'examplebucket.s3.amazonaws.com',
      'Date',
      'Fri, 24 May 2013 00:00:00 GMT',
      'x-amz-date',
      '20130524T000000Z',
      'x-amz-storage-class',
      'REDUCED_REDUNDANCY',
      'x-amz-content-sha256',
      payload,
    ],
    { method: 'PUT', rawPath: '/test$file.text', rawSearch: '', payloadHash: payload },
    ['date', 'host', 'x-amz-content-sha256', 'x-amz-date', 'x-amz-storage-class'],
    '98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd',
  );
});

test("AWS's ListObjects example: the query is sorted by name", () => {
  expectSignature(
    [
      'Host',
      'examplebucket.s3.amazonaws.com',
      'x-amz-date',
      '20130524T000000Z',
      'x-amz-content-sha256',
      emptySha256,
    ],
    { method: 'GET', rawPath: '/', rawSearch: '?prefix=J&max-keys=2', payloadHash: emptySha256 },
    ['host', 'x-amz-content-sha256', 'x-amz-date'],
    '34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7',
  );
});

test('canonical URIs: plain paths as they are, others decoded and encoded once', () => {
  assert.equal(canonicalUri('/bucket/dir/obj-1.bin'), '/bucket/dir/obj-1.bin');
  assert.equal(canonicalUri('/bucket/a b'), '/bucket/a%20b');
  assert.equal(canonicalUri('/bucket/a%20b'), '/bucket/a%20b');
  assert.equal(canonicalUri('/bucket/a%2fb/%7Ec'), '/bucket/a%2Fb/~c');
  assert.equal(canonicalUri('/bucket/caf%C3%A9'), '/bucket/caf%C3%A9');
  // Malformed percent-encoding is taken literally, then encoded.
  assert.equal(canonicalUri('/bucket/100%'), '/bucket/100%25');
});

test('canonical queries: encoded once, sorted by name then value, the excluded name left out', () => {
  assert.equal(canonicalQuery(''), '');
  assert.equal(canonicalQuery('?uploads'), 'uploads=');
  assert.equal(canonicalQuery('?b=2&a=1&a=0'), 'a=0&a=1&b=2');
  assert.equal(canonicalQuery('?prefix=a%2Fb&delimiter=/'), 'delimiter=%2F&prefix=a%2Fb');
  assert.equal(canonicalQuery('?x=a+b&y=%7e'), 'x=a%2Bb&y=~');
  assert.equal(
    canonicalQuery('?X-Amz-Signature=abc&X-Amz-Date=1&list-type=2', 'X-Amz-Signature'),
    'X-Amz-Date=1&list-type=2',
  );
  assert.equal(canonicalQuery('?X-Amz-%53ignature=abc&z=1', 'X-Amz-Signature'), 'z=1');
});

test('canonical headers: names lower-cased, values trimmed and folded, repeats joined in order', () => {
  const req = requestWith([
    'Host',
    'h',
    'X-Amz-Meta-A',
    '  one   two ',
    'x-amz-meta-a',
    'three',
    'X-Unsigned',
    'ignored',
    'X-Amz-Meta-B',
    'tab\there',
  ]);
  assert.equal(
    canonicalHeaders(req, ['host', 'x-amz-meta-a', 'x-amz-meta-b', 'x-amz-meta-c']),
    'host:h\nx-amz-meta-a:one two,three\nx-amz-meta-b:tab here\nx-amz-meta-c:\n',
  );
});
