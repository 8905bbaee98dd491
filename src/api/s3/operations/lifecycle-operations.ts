// S3 bucket lifecycle: Get/Put/DeleteBucketLifecycleConfiguration. The rules live in the bucket's
// metadata (every node has them); each target's lifecycle job applies them to what it stores.
import { StoreError } from '../../../errors/index.js';
import {
  lifecycleConfigurationXml,
  parseLifecycleConfiguration,
} from '../lifecycle-configuration.js';
import type { S3Operation } from '../operation.js';
import type { S3Handler } from '../request.js';
import { sendXml } from '../xml/xml-codec.js';
import { readXmlDocument, sendEmpty } from './xml-body.js';

const getBucketLifecycleConfiguration: S3Handler = (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const lifecycle = request.ports.buckets.getLifecycle(request.bucket);
  if (lifecycle === undefined) {
    throw new StoreError(
      'NoSuchLifecycleConfiguration',
      'The lifecycle configuration does not exist',
    );
  }
  sendXml(request.context.res, 'LifecycleConfiguration', lifecycleConfigurationXml(lifecycle));
  return Promise.resolve();
};

const putBucketLifecycleConfiguration: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const document = await readXmlDocument(request, 'LifecycleConfiguration');
  const lifecycle = parseLifecycleConfiguration(document);
  await request.ports.buckets.setLifecycle(request.bucket, lifecycle, request.context);
  sendEmpty(request, 200);
};

const deleteBucketLifecycle: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  await request.ports.buckets.setLifecycle(request.bucket, { rules: [] }, request.context);
  sendEmpty(request, 204);
};

export const lifecycleHandlers = {
  GetBucketLifecycleConfiguration: getBucketLifecycleConfiguration,
  PutBucketLifecycleConfiguration: putBucketLifecycleConfiguration,
  DeleteBucketLifecycle: deleteBucketLifecycle,
} satisfies Partial<Record<S3Operation, S3Handler>>;
