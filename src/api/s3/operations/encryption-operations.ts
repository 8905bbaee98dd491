// S3 bucket default encryption: Get/Put/DeleteBucketEncryption. The setting lives in the bucket's
// metadata (`sse`); the target that stores a key applies it to writes that ask for no encryption.
// An `aws:kms` default without a key ID stays so: each write takes the cluster's default KMS key.
import { StoreError, notImplemented } from '../../../errors/index.js';
import type { S3Operation } from '../operation.js';
import type { SsePropsJson } from '../../../wire/index.js';
import type { S3Handler, S3Settings } from '../request.js';
import { kmsKeyIdOf } from '../sse-headers.js';
import { childRecords, childText, sendXml, type XmlRecord } from '../xml/xml-codec.js';
import { readXmlDocument, sendEmpty } from './xml-body.js';

const rootName = 'ServerSideEncryptionConfiguration';

/**
 * The one rule AWS accepts: `ApplyServerSideEncryptionByDefault` with `AES256` (SSE-S3) or
 * `aws:kms` (SSE-KMS, with a `KMSMasterKeyID` of the cluster's key store or none: its default key).
 */
function parseConfiguration(document: XmlRecord, settings: S3Settings): SsePropsJson {
  const rules = childRecords(document, 'Rule');
  if (rules.length !== 1) throw new StoreError('MalformedXML', 'exactly one Rule is expected');
  const [rule] = rules as [XmlRecord];
  const [byDefault] = childRecords(rule, 'ApplyServerSideEncryptionByDefault');
  if (byDefault === undefined)
    throw new StoreError('MalformedXML', 'the Rule needs ApplyServerSideEncryptionByDefault');
  const algorithm = childText(byDefault, 'SSEAlgorithm');
  const keyId = childText(byDefault, 'KMSMasterKeyID');
  if (childText(rule, 'BucketKeyEnabled') === 'true')
    throw notImplemented('S3 Bucket Key (BucketKeyEnabled, an SSE-KMS setting)');
  if (algorithm === 'aws:kms') {
    const kmsKeyId = kmsKeyIdOf(settings, keyId);
    return keyId === undefined ? { algorithm } : { algorithm, kms_key_id: kmsKeyId };
  }
  if (algorithm === 'aws:kms:dsse')
    throw notImplemented('S3 bucket default encryption with aws:kms:dsse (DSSE-KMS)');
  if (algorithm !== 'AES256')
    throw new StoreError('MalformedXML', 'SSEAlgorithm must be AES256 or aws:kms');
  if (keyId !== undefined) {
    throw new StoreError(
      'InvalidArgument',
      'a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms',
    );
  }
  return { algorithm };
}

const getBucketEncryption: S3Handler = (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const sse = request.ports.buckets.getEncryption(request.bucket);
  if (sse === undefined) {
    throw new StoreError(
      'ServerSideEncryptionConfigurationNotFound',
      'The server side encryption configuration was not found',
    );
  }
  sendXml(request.context.res, rootName, {
    Rule: {
      ApplyServerSideEncryptionByDefault: {
        SSEAlgorithm: sse.algorithm,
        ...(sse.kms_key_id === undefined ? {} : { KMSMasterKeyID: sse.kms_key_id }),
      },
      BucketKeyEnabled: false,
    },
  });
  return Promise.resolve();
};

const putBucketEncryption: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const sse = parseConfiguration(await readXmlDocument(request, rootName), request.settings);
  await request.ports.buckets.setEncryption(request.bucket, sse, request.context);
  sendEmpty(request, 200);
};

const deleteBucketEncryption: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  await request.ports.buckets.setEncryption(request.bucket, { algorithm: '' }, request.context);
  sendEmpty(request, 204);
};

export const encryptionHandlers = {
  GetBucketEncryption: getBucketEncryption,
  PutBucketEncryption: putBucketEncryption,
  DeleteBucketEncryption: deleteBucketEncryption,
} satisfies Partial<Record<S3Operation, S3Handler>>;
