// Unit tests of S3 request signing against the worked example in AWS's SigV4 documentation
// ("Signature Calculations for the Authorization Header", GET Object), and of path encoding.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeRfc3986, s3RequestPath, signS3Request } from './s3-signing.js';
import { describeErrorXml, parseListPage } from './s3-xml.js';

const exampleCredentials = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
};

test("AWS's PUT Object example signs to the documented signature", () => {
  const headers = signS3Request(
    {
      method: 'PUT',
      host: 'examplebucket.s3.amazonaws.com',
      path: s3RequestPath(['test$file.text'], {}),
      headers: {
        date: 'Fri, 24 May 2013 00:00:00 GMT',
        'x-amz-date': '20130524T000000Z',
        'x-amz-storage-class': 'REDUCED_REDUNDANCY',
        'x-amz-content-sha256': '44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072',
      },
    },
    exampleCredentials,
  );
  const authorization = headers['authorization'] ?? '';
  assert.match(
    authorization,
    /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/20130524\/us-east-1\/s3\/aws4_request, /,
  );
  assert.match(
    authorization,
    /SignedHeaders=date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class, /,
  );
  assert.match(
    authorization,
    /Signature=98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd$/,
  );
  assert.equal(headers['host'], undefined);
});

test('bodies are sent unsigned unless a payload hash is given', () => {
  const headers = signS3Request(
    { method: 'PUT', host: '127.0.0.1:9000', path: '/b/k', headers: { 'content-length': '5' } },
    exampleCredentials,
  );
  assert.equal(headers['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
  assert.match(
    headers['authorization'] ?? '',
    /SignedHeaders=content-length;host;x-amz-content-sha256;x-amz-date,/,
  );
});

test('paths and queries are RFC 3986 encoded, queries sorted', () => {
  assert.equal(encodeRfc3986("a b!'()*~"), 'a%20b%21%27%28%29%2A~');
  assert.equal(
    s3RequestPath(['bucket', 'dir', 'name with space'], { prefix: 'a/b', 'list-type': '2' }),
    '/bucket/dir/name%20with%20space?list-type=2&prefix=a%2Fb',
  );
  assert.equal(s3RequestPath(['bucket'], {}), '/bucket');
});

test('ListObjectsV2 pages and S3 errors are read from their XML', () => {
  const page = parseListPage(
    '<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>a&amp;b</Key><Size>12</Size></Contents>' +
      '<Contents><Key>c</Key><Size>0</Size></Contents><NextContinuationToken>t1</NextContinuationToken></ListBucketResult>',
  );
  assert.deepEqual(page, {
    objects: [
      { name: 'a&b', sizeBytes: 12 },
      { name: 'c', sizeBytes: 0 },
    ],
    continuationToken: 't1',
  });
  assert.equal(
    parseListPage('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>')
      .continuationToken,
    undefined,
  );
  assert.equal(
    describeErrorXml(
      '<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>',
    ),
    'NoSuchBucket: The specified bucket does not exist',
  );
  assert.equal(describeErrorXml('<html>bad gateway</html>'), undefined);
});
