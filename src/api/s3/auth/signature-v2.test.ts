// Unit tests of the Signature V2 primitives against signatures another implementation made:
// AWS's documented GET example, and botocore's HmacV1Auth / HmacV1QueryAuth (aws cli v1) for a PUT
// with x-amz headers, sub-resources, a virtual-hosted resource and a presigned URL.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import {
  canonicalAmzHeaders,
  decodeQuery,
  signatureV2Matches,
  stringsToSign,
  type StringToSignParts,
} from './signature-v2.js';

const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const date = 'Tue, 27 Mar 2007 19:36:42 +0000';

/** A request as the server parser leaves it: the raw header list and the lower-cased map. */
function requestWith(rawHeaders: string[]): IncomingMessage {
  const headers: Record<string, string> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2)
    headers[(rawHeaders[index] as string).toLowerCase()] = rawHeaders[index + 1] as string;
  return { rawHeaders, headers } as unknown as IncomingMessage;
}

function texts(
  raw: string[],
  parts: Omit<StringToSignParts, 'query'> & { search?: string },
): string[] {
  return stringsToSign(requestWith(raw), { ...parts, query: decodeQuery(parts.search ?? '') });
}

function expectSigned(candidates: string[], signature: string): void {
  assert.equal(signatureV2Matches(secret, candidates, signature), true);
  assert.equal(signatureV2Matches('another secret', candidates, signature), false);
  const altered = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
  assert.equal(signatureV2Matches(secret, candidates, altered), false);
  assert.equal(signatureV2Matches(secret, candidates, signature.slice(0, 10)), false);
  assert.equal(signatureV2Matches(secret, candidates, '!!not base64!!'), false);
}

test("AWS's documented GET Object example", () => {
  const candidates = texts([], {
    method: 'GET',
    resourcePath: '/awsexamplebucket1/photos/puppy.jpg',
    date,
  });
  assert.deepEqual(candidates, [`GET\n\n\n${date}\n/awsexamplebucket1/photos/puppy.jpg`]);
  expectSigned(candidates, 'qgk2+6Sv9/oM7G3qLEjTH1a1l1g=');
});

test('a PUT signs Content-MD5, Content-Type and the x-amz headers sorted and trimmed', () => {
  const raw = [
    'Content-Type',
    'text/plain',
    'Content-MD5',
    '1B2M2Y8AsgTpgAwUhdLtcg==',
    'x-amz-meta-b',
    ' two ',
    'X-Amz-Meta-A',
    'one',
    'x-amz-acl',
    'private',
    'Host',
    'h',
  ];
  assert.equal(
    canonicalAmzHeaders(requestWith(raw)),
    'x-amz-acl:private\nx-amz-meta-a:one\nx-amz-meta-b:two\n',
  );
  const candidates = texts(raw, { method: 'PUT', resourcePath: '/b/a%20key%2Bplus.txt', date });
  expectSigned(candidates, 'k1Go6+BTimxAGKFrpLEB0oTbTUY=');
});

test('repeated x-amz headers are joined with commas in the order received', () => {
  const raw = ['X-Amz-Meta-List', 'a', 'x-amz-meta-list', 'b'];
  assert.equal(canonicalAmzHeaders(requestWith(raw)), 'x-amz-meta-list:a,b\n');
});

test("sub-resources: MinIO's, botocore's and s3cmd's lists are all accepted", () => {
  const candidates = texts([], {
    method: 'GET',
    resourcePath: '/b',
    search: '?versions&prefix=p&uploads&object-lock&retention',
    date,
  });
  // MinIO signs retention and not object-lock, botocore the other way round, s3cmd neither.
  assert.deepEqual(
    candidates.map((text) => text.slice(text.lastIndexOf('\n') + 1)),
    ['/b?retention&uploads&versions', '/b?object-lock&uploads&versions', '/b?uploads&versions'],
  );
  expectSigned(candidates, 'D8jGLZLtxOOTlTpeGH+KabjksO8=');
  for (const text of candidates)
    expectSigned(candidates, createHmac('sha1', secret).update(text).digest('base64'));
  // Where the lists agree, one string is signed.
  assert.equal(texts([], { method: 'GET', resourcePath: '/b', search: '?acl', date }).length, 1);
});

test('a virtual-hosted resource with decoded sub-resource values', () => {
  const candidates = texts([], {
    method: 'GET',
    resourcePath: '/bucket/k',
    search: '?response-content-disposition=attachment%3B%20filename%3D%22a%20b%22&versionId=v1',
    date,
  });
  // s3cmd does not sign response overrides: a second candidate.
  assert.equal(candidates.length, 2);
  assert.ok(
    candidates[0]?.endsWith(
      '/bucket/k?response-content-disposition=attachment; filename="a b"&versionId=v1',
    ),
  );
  expectSigned(candidates, 'sVgjnGXHeJXXXRm4hItDvHmjfLg=');
});

test("a presigned URL signs its Expires in the Date's place", () => {
  const search =
    '?AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=1No4mq5ETf02z8aet9voy6gui6E%3D&Expires=1175139620';
  const query = decodeQuery(search);
  assert.deepEqual(query[1], ['Signature', '1No4mq5ETf02z8aet9voy6gui6E=']);
  const candidates = texts([], {
    method: 'GET',
    resourcePath: '/awsexamplebucket1/photos/puppy.jpg',
    search,
    date: '1175139620',
  });
  expectSigned(candidates, '1No4mq5ETf02z8aet9voy6gui6E=');
});

test('query decoding keeps a plus sign and refuses malformed percent-encoding', () => {
  assert.deepEqual(decodeQuery('?Signature=a+b%2B&uploads'), [
    ['Signature', 'a+b+'],
    ['uploads', ''],
  ]);
  assert.throws(() => decodeQuery('?a=%E0%A4%A'), { code: 'InvalidArgument' });
});
