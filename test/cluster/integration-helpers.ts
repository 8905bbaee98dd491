// What the feature-integration tests write through S3 (plain, with attributes, multipart, several
// versions) and how they capture a bucket as S3 sees it, so a state before a rebalance or resilver
// can be compared with the state after it.
import { createHash } from 'node:crypto';
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** What an S3 write may set besides the bytes. */
export interface S3Attributes {
  contentType?: string;
  metadata?: Record<string, string>;
  /** URL-encoded tag set, as the SDK takes it (`a=1&b=2`). */
  tagging?: string;
}

/** Deterministic bytes for a key (so a test can tell versions apart). */
export function bytesFor(label: string, sizeBytes: number): Buffer {
  const seed = createHash('sha256').update(label).digest();
  const data = Buffer.alloc(sizeBytes);
  for (let i = 0; i < sizeBytes; i += 1) data[i] = (seed[i % seed.length] ?? 0) ^ (i & 0xff);
  return data;
}

/** A single-part S3 PUT; returns the ETag. */
export async function s3Put(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  attributes: S3Attributes = {},
): Promise<string> {
  const answer = await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentType: attributes.contentType,
      Metadata: attributes.metadata,
      Tagging: attributes.tagging,
    }),
  );
  return answer.ETag ?? '';
}

/** A multipart upload of `body` in parts of `partBytes` (the last may be shorter); the ETag. */
export async function s3PutMultipart(
  s3: S3Client,
  bucket: string,
  key: string,
  body: Buffer,
  partBytes: number,
  attributes: S3Attributes = {},
): Promise<string> {
  const { UploadId } = await s3.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      ContentType: attributes.contentType,
      Metadata: attributes.metadata,
      Tagging: attributes.tagging,
    }),
  );
  const parts: Array<{ PartNumber: number; ETag: string }> = [];
  for (let offset = 0, number = 1; offset < body.length; offset += partBytes, number += 1) {
    const part = await s3.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: key,
        UploadId,
        PartNumber: number,
        Body: body.subarray(offset, offset + partBytes),
      }),
    );
    parts.push({ PartNumber: number, ETag: part.ETag ?? '' });
  }
  const done = await s3.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: key,
      UploadId,
      MultipartUpload: { Parts: parts },
    }),
  );
  return done.ETag ?? '';
}

/** A GET's bytes and attributes (of the latest version, or of `versionId`). */
export async function s3Read(
  s3: S3Client,
  bucket: string,
  key: string,
  versionId?: string,
): Promise<{ data: Buffer; etag: string; contentType: string; metadata: Record<string, string> }> {
  const answer = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
  );
  const data = Buffer.from((await answer.Body?.transformToByteArray()) ?? []);
  return {
    data,
    etag: answer.ETag ?? '',
    contentType: answer.ContentType ?? '',
    metadata: answer.Metadata ?? {},
  };
}

/**
 * A bucket as S3 shows it: every version and delete marker listed, and every version read back
 * (digest of its bytes, ETag, content type, user metadata, tags).
 */
export async function s3Snapshot(s3: S3Client, bucket: string): Promise<unknown> {
  const listing = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  const versions = (listing.Versions ?? []).map((version) => ({
    key: version.Key ?? '',
    versionId: version.VersionId ?? '',
    latest: version.IsLatest,
    etag: version.ETag,
    size: version.Size,
    modified: version.LastModified?.toISOString(),
  }));
  const markers = (listing.DeleteMarkers ?? []).map((marker) => ({
    key: marker.Key,
    versionId: marker.VersionId,
    latest: marker.IsLatest,
  }));
  const contents = [];
  for (const version of versions) {
    const versionId = version.versionId === 'null' ? undefined : version.versionId;
    const read = await s3Read(s3, bucket, version.key, versionId);
    const tagging = await s3.send(
      new GetObjectTaggingCommand({ Bucket: bucket, Key: version.key, VersionId: versionId }),
    );
    contents.push({
      key: version.key,
      versionId: version.versionId,
      sha256: createHash('sha256').update(read.data).digest('hex'),
      etag: read.etag,
      contentType: read.contentType,
      metadata: read.metadata,
      tags: (tagging.TagSet ?? []).map((tag) => `${tag.Key ?? ''}=${tag.Value ?? ''}`).sort(),
    });
  }
  return { versions, markers, contents };
}
