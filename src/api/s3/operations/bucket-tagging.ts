// S3 bucket tagging: Get/Put/DeleteBucketTagging. The tag set lives in the bucket's metadata
// (`s3_tags`), replaced whole by a PUT; S3's tag rules apply, with 50 tags on a bucket.
import { StoreError } from '../../../errors/index.js';
import { tagsFromDocument } from '../object-headers.js';
import type { S3Operation } from '../operation.js';
import type { S3Handler } from '../request.js';
import { readXmlDocument, sendEmpty } from './xml-body.js';
import { sendTagging } from './object-read.js';

/** AWS's limit on the tags of one bucket (an object has 10). */
const maxBucketTags = 50;

const getBucketTagging: S3Handler = (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const tags = request.ports.buckets.getTags(request.bucket);
  if (Object.keys(tags).length === 0)
    throw new StoreError('NoSuchTagSet', 'The TagSet does not exist');
  sendTagging(request, tags);
  return Promise.resolve();
};

const putBucketTagging: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  const tags = tagsFromDocument(await readXmlDocument(request, 'Tagging'), maxBucketTags);
  await request.ports.buckets.setTags(request.bucket, tags, request.context);
  sendEmpty(request, 204);
};

const deleteBucketTagging: S3Handler = async (request) => {
  request.ports.buckets.headBucket(request.bucket);
  await request.ports.buckets.setTags(request.bucket, {}, request.context);
  sendEmpty(request, 204);
};

export const bucketTaggingHandlers = {
  GetBucketTagging: getBucketTagging,
  PutBucketTagging: putBucketTagging,
  DeleteBucketTagging: deleteBucketTagging,
} satisfies Partial<Record<S3Operation, S3Handler>>;
