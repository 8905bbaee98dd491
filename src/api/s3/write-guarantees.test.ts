// Unit tests for the S3 write guarantees: headers Cairn cannot honour are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestContext } from '../common/request-context.js';
import type { S3Operation } from './operation.js';
import { refuseUnsupportedGuarantees } from './write-guarantees.js';

function outcome(operation: S3Operation, headers: Record<string, string>): string {
  const context = { req: { headers } } as unknown as RequestContext;
  try {
    refuseUnsupportedGuarantees(context, operation);
    return 'ok';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

test('what clients send by default passes', () => {
  const sdkPut = {
    'x-amz-checksum-crc32': 'AAAAAA==',
    'x-amz-sdk-checksum-algorithm': 'CRC32',
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    'x-amz-meta-a': 'b',
    'x-amz-storage-class': 'STANDARD',
    'x-amz-acl': 'private',
  };
  assert.equal(outcome('PutObject', sdkPut), 'ok');
  assert.equal(outcome('CreateMultipartUpload', { 'x-amz-checksum-algorithm': 'CRC32' }), 'ok');
  // Both multipart checksum forms, and the completion's whole-object value (multipart-checksums.ts).
  const fullObject = {
    'x-amz-checksum-algorithm': 'CRC64NVME',
    'x-amz-checksum-type': 'FULL_OBJECT',
  };
  assert.equal(outcome('CreateMultipartUpload', fullObject), 'ok');
  assert.equal(outcome('CompleteMultipartUpload', { 'x-amz-checksum-crc32': 'AAAAAA==' }), 'ok');
  assert.equal(outcome('PutObject', { 'x-amz-checksum-crc64nvme': 'AAAAAAAAAAA=' }), 'ok');
  assert.equal(outcome('CreateBucket', { 'x-amz-bucket-object-lock-enabled': 'false' }), 'ok');
  // Reads are not writes: conditions and SSE-C there are the read path's business.
  assert.equal(outcome('GetObject', { 'if-none-match': '"x"' }), 'ok');
  // Conditional writes are checked by the owner target (write-conditions.ts).
  assert.equal(outcome('PutObject', { 'if-none-match': '*' }), 'ok');
  assert.equal(outcome('CompleteMultipartUpload', { 'if-match': '"e"' }), 'ok');
  assert.equal(outcome('CopyObject', { 'if-none-match': '*' }), 'ok');
  assert.equal(outcome('PutObject', { 'x-amz-object-lock-mode': 'GOVERNANCE' }), 'ok');
  assert.equal(outcome('CreateMultipartUpload', { 'x-amz-object-lock-legal-hold': 'ON' }), 'ok');
  assert.equal(outcome('CreateBucket', { 'x-amz-bucket-object-lock-enabled': 'true' }), 'ok');
  // SSE-S3, SSE-KMS and SSE-C are served (sse-headers.ts checks them).
  assert.equal(outcome('PutObject', { 'x-amz-server-side-encryption-aws-kms-key-id': 'k' }), 'ok');
  assert.equal(outcome('PutObject', { 'x-amz-server-side-encryption': 'AES256' }), 'ok');
  assert.equal(outcome('UploadPart', { 'x-amz-server-side-encryption-customer-key': 'k' }), 'ok');
  assert.equal(
    outcome('CopyObject', { 'x-amz-copy-source-server-side-encryption-customer-key': 'k' }),
    'ok',
  );
});

test('guarantees Cairn does not give are refused by header name', () => {
  const cases: [S3Operation, Record<string, string>, string][] = [
    ['CopyObject', { 'x-amz-server-side-encryption-context': 'e30=' }, 'SSE-KMS'],
    ['PutObject', { 'x-amz-server-side-encryption-bucket-key-enabled': 'true' }, 'Bucket Key'],
    ['UploadPart', { 'x-amz-server-side-encryption': 'AES256' }, 'of a part'],
    ['DeleteObject', { 'if-match': '"e"' }, 'conditional delete'],
    ['DeleteObject', { 'x-amz-if-match-size': '3' }, 'conditional delete'],
    ['PutObject', { 'x-amz-checksum-xxhash64': 'AAAAAAAAAAA=' }, 'x-amz-checksum-xxhash64'],
    ['CreateMultipartUpload', { 'x-amz-checksum-algorithm': 'MD5' }, 'algorithm'],
    ['CopyObject', { 'x-amz-checksum-algorithm': 'SHA256' }, 'checksum of a copy'],
    ['PutObject', { 'x-amz-website-redirect-location': '/x' }, 'website redirect'],
    ['PutObject', { 'x-amz-request-payer': 'requester' }, 'requester pays'],
    ['PutObject', { 'x-amz-storage-class': 'GLACIER' }, 'storage class'],
    ['PutBucketVersioning', { 'x-amz-mfa': 'serial 123456' }, 'MFA delete'],
    ['PutObject', { 'x-amz-write-offset-bytes': '10' }, 'append'],
  ];
  for (const [operation, headers, named] of cases) {
    const message = outcome(operation, headers);
    assert.match(message, /is not implemented/, `${operation} ${JSON.stringify(headers)}`);
    assert.ok(message.includes(named), message);
  }
});
