// S3 server-side encryption on the wire: what a request asks for (`x-amz-server-side-encryption`,
// the SSE-C key headers and their copy-source forms), checked as AWS checks them, and the headers
// an answer reports the encryption with. SSE-KMS takes key IDs of the cluster's key store (cluster
// config `s3.kms`); DSSE-KMS and encryption contexts are refused with 501 naming them.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { StoreError, notImplemented } from '../../errors/index.js';
import type { S3CustomerKey, S3Encryption, S3EncryptionRequest } from './ports.js';
import type { S3Settings } from './request.js';

const sseHeader = 'x-amz-server-side-encryption';
const kmsKeyIdHeader = 'x-amz-server-side-encryption-aws-kms-key-id';
/** MinIO's form of a key ID as an ARN (`arn:aws:kms:<key ID>`): the prefix is dropped. */
const kmsArnPrefix = 'arn:aws:kms:';
const customerPrefix = 'x-amz-server-side-encryption-customer-';
const copySourceCustomerPrefix = 'x-amz-copy-source-server-side-encryption-customer-';

function text(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function customerKeyFrom(headers: IncomingHttpHeaders, prefix: string): S3CustomerKey | undefined {
  const algorithm = text(headers, `${prefix}algorithm`);
  const key = text(headers, `${prefix}key`);
  const md5 = text(headers, `${prefix}key-md5`);
  if (algorithm === undefined && key === undefined && md5 === undefined) return undefined;
  if (algorithm === undefined) {
    throw new StoreError(
      'InvalidArgument',
      'Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.',
    );
  }
  if (algorithm !== 'AES256') {
    throw new StoreError(
      'InvalidEncryptionAlgorithm',
      'The encryption request you specified is not valid. The valid value is AES256.',
    );
  }
  if (key === undefined) {
    throw new StoreError(
      'InvalidArgument',
      'Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.',
    );
  }
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32 || bytes.toString('base64') !== key.trim()) {
    throw new StoreError(
      'InvalidArgument',
      'The secret key was invalid for the specified algorithm.',
    );
  }
  const computed = createHash('md5').update(bytes).digest('base64');
  if (md5 === undefined) {
    throw new StoreError(
      'InvalidArgument',
      'Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.',
    );
  }
  if (md5.trim() !== computed) {
    throw new StoreError(
      'InvalidArgument',
      'The calculated MD5 hash of the key did not match the hash that was provided.',
    );
  }
  return { key: bytes, md5: computed };
}

/** The SSE-C key of a read, an UploadPart, or the destination of a copy. */
export function customerKeyOf(headers: IncomingHttpHeaders): S3CustomerKey | undefined {
  return customerKeyFrom(headers, customerPrefix);
}

/** The SSE-C key of a copy's source (`x-amz-copy-source-server-side-encryption-customer-*`). */
export function copySourceCustomerKeyOf(headers: IncomingHttpHeaders): S3CustomerKey | undefined {
  return customerKeyFrom(headers, copySourceCustomerPrefix);
}

/**
 * The key ID of an SSE-KMS request or bucket default: the one given (an ID of `settings.kmsKeys`),
 * else the cluster's default key. Unknown: 400 KMS.NotFoundException, as AWS and MinIO answer.
 */
export function kmsKeyIdOf(settings: S3Settings, given: string | undefined): string {
  if (settings.kmsDefaultKey === undefined) {
    throw notImplemented(
      'S3 server-side encryption with aws:kms (SSE-KMS) without KMS keys in the cluster config (s3.kms.keys)',
    );
  }
  if (given === undefined) return settings.kmsDefaultKey;
  const keyId = given.startsWith(kmsArnPrefix) ? given.slice(kmsArnPrefix.length) : given;
  if (!settings.kmsKeys.includes(keyId))
    throw new StoreError('KmsKeyNotFound', `Invalid keyId '${given.slice(0, 300)}'`);
  return keyId;
}

/** The encryption a PutObject, CopyObject or CreateMultipartUpload asks for (undefined: none). */
export function encryptionRequestOf(
  headers: IncomingHttpHeaders,
  settings: S3Settings,
): S3EncryptionRequest | undefined {
  const algorithm = text(headers, sseHeader);
  const customerKey = customerKeyOf(headers);
  const kmsKeyId = text(headers, kmsKeyIdHeader);
  if (kmsKeyId !== undefined && algorithm !== 'aws:kms') {
    throw new StoreError(
      'InvalidArgument',
      'Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms',
    );
  }
  if (algorithm !== undefined && customerKey !== undefined) {
    throw new StoreError(
      'InvalidArgument',
      'Server Side Encryption with Customer provided key is incompatible with the encryption method specified',
    );
  }
  if (customerKey !== undefined) return { kind: 'SSE-C', key: customerKey };
  if (algorithm === undefined) return undefined;
  if (algorithm === 'AES256') return { kind: 'SSE-S3' };
  if (algorithm === 'aws:kms') return { kind: 'SSE-KMS', keyId: kmsKeyIdOf(settings, kmsKeyId) };
  if (algorithm === 'aws:kms:dsse')
    throw notImplemented('S3 server-side encryption with aws:kms:dsse (DSSE-KMS)');
  throw new StoreError(
    'InvalidArgument',
    `The encryption method specified is not supported: "${algorithm.slice(0, 40)}"`,
  );
}

/** Reports how an object is encrypted (GET, HEAD, and the answers of writes). */
export function setEncryptionHeaders(
  res: ServerResponse,
  encryption: S3Encryption | undefined,
): void {
  if (encryption === undefined) return;
  if (encryption.kind === 'SSE-S3') {
    res.setHeader(sseHeader, 'AES256');
    return;
  }
  if (encryption.kind === 'SSE-KMS') {
    res.setHeader(sseHeader, 'aws:kms');
    res.setHeader(kmsKeyIdHeader, encryption.keyId);
    return;
  }
  res.setHeader(`${customerPrefix}algorithm`, 'AES256');
  if (encryption.customerKeyMd5 !== undefined)
    res.setHeader(`${customerPrefix}key-md5`, encryption.customerKeyMd5);
}

/** The headers that give an SSE-C key (a copy source fetched from its owner sends them so). */
export function customerKeyHeaders(key: S3CustomerKey): Record<string, string> {
  return {
    [`${customerPrefix}algorithm`]: 'AES256',
    [`${customerPrefix}key`]: key.key.toString('base64'),
    [`${customerPrefix}key-md5`]: key.md5,
  };
}
