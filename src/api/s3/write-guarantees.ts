// Request headers that ask S3 for a guarantee Cairn does not give: SSE-KMS contexts, conditional deletes, checksums it does not compute or verify, website redirects,
// requester pays, storage classes, MFA delete, appends. A write naming one is refused
// with 501 naming the header: stored as if the header were absent, it would break the promise.
import { notImplemented } from '../../errors/index.js';
import type { RequestContext } from '../common/request-context.js';
import { checksumAlgorithms, isChecksumAlgorithm } from './body/checksum-algorithms.js';
import type { S3Operation } from './operation.js';

type Operations = ReadonlySet<S3Operation>;

/** Writes that store object data or its attributes. */
const objectWrites: Operations = new Set<S3Operation>([
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
  'UploadPart',
  'UploadPartCopy',
  'CompleteMultipartUpload',
]);
/** Writes that set an object's attributes (the multipart ones at CreateMultipartUpload). */
const objectCreations: Operations = new Set<S3Operation>([
  'PutObject',
  'CopyObject',
  'CreateMultipartUpload',
]);
const copies: Operations = new Set<S3Operation>(['CopyObject', 'UploadPartCopy']);
/** Every operation that changes something. */
const allWrites: Operations = new Set<S3Operation>([
  ...objectWrites,
  'CreateBucket',
  'DeleteBucket',
  'PutBucketVersioning',
  'DeleteObjects',
  'DeleteObject',
  'PutObjectTagging',
  'DeleteObjectTagging',
  'AbortMultipartUpload',
  'PutBucketLifecycleConfiguration',
  'DeleteBucketLifecycle',
  'PutBucketEncryption',
  'DeleteBucketEncryption',
  'PutBucketTagging',
  'DeleteBucketTagging',
]);

interface HeaderRule {
  matches(name: string): boolean;
  meaning: string;
  operations: Operations;
  /** Values that ask for nothing more than Cairn does (case-insensitive). */
  harmless?: readonly string[];
}

const exact =
  (...names: string[]) =>
  (name: string) =>
    names.includes(name);
const prefix = (start: string) => (name: string) => name.startsWith(start);

/** `x-amz-checksum-<algorithm>`: the value of a checksum (not `-algorithm`, `-type`, `-mode`). */
function checksumValueAlgorithm(name: string): string | undefined {
  if (!name.startsWith('x-amz-checksum-')) return undefined;
  const algorithm = name.slice('x-amz-checksum-'.length);
  return ['algorithm', 'type', 'mode'].includes(algorithm) ? undefined : algorithm;
}

const rules: readonly HeaderRule[] = [
  {
    // SSE-S3, SSE-KMS and SSE-C are served (sse-headers.ts); a KMS encryption context is not.
    matches: exact('x-amz-server-side-encryption-context'),
    meaning: 'an SSE-KMS encryption context (x-amz-server-side-encryption-context)',
    operations: objectWrites,
  },
  {
    matches: exact('x-amz-server-side-encryption-bucket-key-enabled'),
    meaning: 'S3 Bucket Key (SSE-KMS)',
    operations: objectWrites,
    harmless: ['false'],
  },
  {
    // A part is encrypted as its upload was created; SSE-C parts give the key (allowed).
    matches: exact('x-amz-server-side-encryption'),
    meaning: 'server-side encryption of a part (CreateMultipartUpload sets it)',
    operations: new Set<S3Operation>(['UploadPart', 'UploadPartCopy', 'CompleteMultipartUpload']),
  },
  {
    // PutObject, CopyObject and CompleteMultipartUpload check them (write-conditions.ts).
    matches: exact('if-match', 'if-none-match'),
    meaning: 'conditional delete',
    operations: new Set<S3Operation>(['DeleteObject']),
  },
  {
    matches: prefix('x-amz-if-match-'),
    meaning: 'conditional delete',
    operations: allWrites,
  },
  {
    // Cairn computes and verifies crc32, crc32c, crc64nvme, sha1 and sha256 (checksum-algorithms.ts).
    matches: (name) => {
      const algorithm = checksumValueAlgorithm(name);
      return algorithm !== undefined && !isChecksumAlgorithm(algorithm);
    },
    meaning: 'checksum algorithm',
    operations: allWrites,
  },
  {
    // A copy keeps the source's checksums; it does not compute the one asked for.
    matches: exact('x-amz-checksum-algorithm'),
    meaning: 'checksum of a copy',
    operations: copies,
  },
  {
    matches: exact('x-amz-checksum-algorithm', 'x-amz-sdk-checksum-algorithm'),
    meaning: 'checksum algorithm',
    operations: objectWrites,
    harmless: checksumAlgorithms,
  },
  {
    // Multipart uploads take either form (multipart-checksums.ts); other writes are whole objects.
    matches: exact('x-amz-checksum-type'),
    meaning: 'checksum type',
    operations: allWrites,
    harmless: ['composite', 'full_object'],
  },
  {
    matches: exact('x-amz-website-redirect-location'),
    meaning: 'website redirect',
    operations: objectCreations,
  },
  { matches: exact('x-amz-request-payer'), meaning: 'requester pays', operations: allWrites },
  {
    matches: exact('x-amz-storage-class'),
    meaning: 'storage class',
    operations: objectCreations,
    harmless: ['standard'],
  },
  {
    matches: exact('x-amz-mfa'),
    meaning: 'MFA delete',
    operations: new Set<S3Operation>(['PutBucketVersioning', 'DeleteObject']),
  },
  {
    matches: exact('x-amz-write-offset-bytes'),
    meaning: 'append',
    operations: new Set<S3Operation>(['PutObject']),
  },
];

/** Refuses (501) a write whose headers ask for a guarantee Cairn does not give. */
export function refuseUnsupportedGuarantees(context: RequestContext, operation: S3Operation): void {
  if (!allWrites.has(operation)) return;
  for (const [name, value] of Object.entries(context.req.headers)) {
    for (const rule of rules) {
      if (!rule.operations.has(operation) || !rule.matches(name)) continue;
      const text = (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().toLowerCase();
      if (rule.harmless?.includes(text) === true) continue;
      throw notImplemented(`S3 ${operation} header "${name}" (${rule.meaning})`);
    }
  }
}
