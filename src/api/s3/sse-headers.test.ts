// Unit tests of the SSE request headers: what each asks for, and AWS's refusals of bad ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { S3Settings } from './request.js';
import { copySourceCustomerKeyOf, encryptionRequestOf as requestWith } from './sse-headers.js';

const settings = (kmsKeys: string[], kmsDefaultKey = kmsKeys[0]): S3Settings => ({
  authEnabled: true,
  domains: [],
  region: 'us-east-1',
  multipartMinPartBytes: 0,
  maxClockSkewMs: 900_000,
  kmsKeys,
  kmsDefaultKey,
});
/** Without a KMS key store (the default). */
const encryptionRequestOf = (headers: IncomingHttpHeaders) => requestWith(headers, settings([]));

const key = randomBytes(32);
const customer = (prefix: string, overrides: Record<string, string> = {}) => ({
  [`${prefix}algorithm`]: 'AES256',
  [`${prefix}key`]: key.toString('base64'),
  [`${prefix}key-md5`]: createHash('md5').update(key).digest('base64'),
  ...overrides,
});
const prefix = 'x-amz-server-side-encryption-customer-';

function code(run: () => unknown): string {
  try {
    run();
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

test('SSE-S3, SSE-C and none', () => {
  assert.equal(encryptionRequestOf({}), undefined);
  assert.deepEqual(encryptionRequestOf({ 'x-amz-server-side-encryption': 'AES256' }), {
    kind: 'SSE-S3',
  });
  const ssec = encryptionRequestOf(customer(prefix));
  assert.equal(ssec?.kind, 'SSE-C');
  assert.deepEqual(ssec?.kind === 'SSE-C' ? ssec.key.key : undefined, key);
  const source = copySourceCustomerKeyOf(
    customer('x-amz-copy-source-server-side-encryption-customer-'),
  );
  assert.deepEqual(source?.key, key);
});

test('SSE-KMS: key IDs of the key store, its default key, the ARN form, unknown IDs', () => {
  const store = settings(['alpha', 'beta'], 'beta');
  const kms = (keyId?: string): IncomingHttpHeaders => ({
    'x-amz-server-side-encryption': 'aws:kms',
    ...(keyId === undefined ? {} : { 'x-amz-server-side-encryption-aws-kms-key-id': keyId }),
  });
  assert.deepEqual(requestWith(kms(), store), { kind: 'SSE-KMS', keyId: 'beta' });
  assert.deepEqual(requestWith(kms('alpha'), store), { kind: 'SSE-KMS', keyId: 'alpha' });
  assert.deepEqual(requestWith(kms('arn:aws:kms:alpha'), store), {
    kind: 'SSE-KMS',
    keyId: 'alpha',
  });
  assert.equal(
    code(() => requestWith(kms('gamma'), store)),
    'KmsKeyNotFound',
  );
  const keyOnly = { 'x-amz-server-side-encryption-aws-kms-key-id': 'alpha' };
  assert.equal(
    code(() => requestWith(keyOnly, store)),
    'InvalidArgument',
  );
  assert.equal(
    code(() => requestWith({ ...kms('alpha'), ...customer(prefix) }, store)),
    'InvalidArgument',
  );
  assert.equal(
    code(() => requestWith({ 'x-amz-server-side-encryption': 'aws:kms:dsse' }, store)),
    'NotImplemented',
  );
});

test('refusals: KMS 501 without a key store, bad algorithm, key, MD5, both kinds at once', () => {
  const sse = (value: string) => ({ 'x-amz-server-side-encryption': value });
  assert.equal(
    code(() => encryptionRequestOf(sse('aws:kms'))),
    'NotImplemented',
  );
  assert.equal(
    code(() => encryptionRequestOf(sse('rot13'))),
    'InvalidArgument',
  );
  const cases: Array<[Record<string, string>, string]> = [
    [customer(prefix, { [`${prefix}algorithm`]: 'AES128' }), 'InvalidEncryptionAlgorithm'],
    [customer(prefix, { [`${prefix}key`]: randomBytes(16).toString('base64') }), 'InvalidArgument'],
    [customer(prefix, { [`${prefix}key-md5`]: 'AAAAAAAAAAAAAAAAAAAAAA==' }), 'InvalidArgument'],
    [{ [`${prefix}key`]: key.toString('base64') }, 'InvalidArgument'],
    [{ ...customer(prefix), ...sse('AES256') }, 'InvalidArgument'],
  ];
  for (const [headers, expected] of cases)
    assert.equal(
      code(() => encryptionRequestOf(headers)),
      expected,
      JSON.stringify(headers),
    );
});
