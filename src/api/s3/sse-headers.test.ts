// Unit tests of the SSE request headers: what each asks for, and AWS's refusals of bad ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { copySourceCustomerKeyOf, encryptionRequestOf } from './sse-headers.js';

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

test('refusals: KMS 501, bad algorithm, key, MD5, both kinds at once', () => {
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
