// StoreError: the base of every expected fault, with a stable code from a closed union.

/** Every error code the store can produce. `api/common` maps each to an HTTP status once. */
export const errorCodes = [
  'BadRequest',
  'InvalidBucketName',
  'InvalidObjectName',
  'UnknownProvider',
  'InvalidChecksumType',
  'InvalidBucketProps',
  'ChecksumMismatch',
  'InvalidRange',
  /** GET/HEAD `partNumber` of a part the object does not have. */
  'InvalidPartNumber',
  'BucketNotFound',
  'ObjectNotFound',
  'NodeNotFound',
  'JobNotFound',
  'LogNotFound',
  'BucketAlreadyExists',
  /** S3 CreateBucket of a bucket another user owns. */
  'BucketNameTaken',
  'Conflict',
  'ObjectCorrupted',
  'MethodNotAllowed',
  'NotImplemented',
  'InsufficientStorage',
  'ClusterNotReady',
  'PeerUnreachable',
  /** A remote bucket's backend (S3 endpoint, remote cluster, origin) did not answer or failed. */
  'BackendUnreachable',
  /** A remote bucket's backend went silent past the configured timeout. */
  'BackendTimeout',
  /** An ETL transformer is (re)starting or gave up: retry later. */
  'TransformerUnavailable',
  /** An ETL transformer answered an error or broke off mid-answer. */
  'TransformFailed',
  /** An ETL transformer did not answer within the ETL's `obj_timeout`. */
  'TransformTimeout',
  'RequestTimeout',
  'RequestTooLarge',
  /** Over a node's limit of work in progress (GetBatch): try again later. */
  'TooManyRequests',
  /** The request's header section is over the server's limit (answered before any routing). */
  'RequestHeaderTooLarge',
  'Internal',
  /** No, an invalid, an expired or a revoked token (AuthN on): 401. */
  'Unauthorized',
  // Protocol errors of the S3 API (authentication, preconditions, multipart, XML documents).
  'AccessDenied',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  /** A presigned URL's query parameters S3 refuses (`X-Amz-Expires` out of range). */
  'AuthorizationQueryParametersError',
  'RequestTimeTooSkewed',
  'ContentSha256Mismatch',
  'PreconditionFailed',
  'NotModified',
  'BucketNotEmpty',
  'EntityTooSmall',
  'InvalidPart',
  'InvalidPartOrder',
  'NoSuchUpload',
  'NoSuchVersion',
  'ObjectNameTooLong',
  'MetadataTooLarge',
  /** A tag set S3 refuses: a key or value too long, a duplicate key, too many tags. */
  'InvalidTag',
  /** A bucket without tags (GetBucketTagging). */
  'NoSuchTagSet',
  'MalformedXML',
  'InvalidArgument',
  /** S3's catch-all for a request whose parts contradict each other (checksum type and algorithm). */
  'InvalidRequest',
  'InvalidDigest',
  'MissingContentLength',
  /** A conditional write lost to a concurrent write of the same key (its condition held on arrival). */
  'ConditionalRequestConflict',
  /** The bucket's state forbids the request (versioning suspended on an object-lock bucket). */
  'InvalidBucketState',
  'ObjectLockConfigurationNotFound',
  /** A version without the retention asked for. */
  'NoSuchObjectLockConfiguration',
  'NoSuchLifecycleConfiguration',
  /** S3 server-side encryption: a bucket without default encryption; an algorithm not offered. */
  'ServerSideEncryptionConfigurationNotFound',
  'InvalidEncryptionAlgorithm',
  /** An SSE-KMS key ID the cluster's key store (cluster config `s3.kms.keys`) does not hold. */
  'KmsKeyNotFound',
  // S3 access control: bucket ACLs, ownership controls, bucket policies, public access block.
  'MalformedPolicy',
  'NoSuchBucketPolicy',
  'MalformedACLError',
  /** An ACL grant by an email address no user has. */
  'UnresolvableGrantByEmailAddress',
  'AccessControlListNotSupported',
  'InvalidBucketAclWithObjectOwnership',
  'OwnershipControlsNotFoundError',
  'NoSuchPublicAccessBlockConfiguration',
  'NoSuchCORSConfiguration',
  /** A CORS preflight no rule of the bucket allows. */
  'CorsForbidden',
  // S3 POST Object (browser form uploads).
  'EntityTooLarge',
  'InvalidPolicyDocument',
  'MalformedPOSTRequest',
  'IncorrectNumberOfFilesInPostRequest',
  'MaxPostPreDataLengthExceeded',
] as const;
export type ErrorCode = (typeof errorCodes)[number];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value);
}

export interface StoreErrorOptions {
  cause?: unknown;
  /** For a refusal that ends by itself (a rate limit): when to try again, sent as Retry-After. */
  retryAfterSeconds?: number;
  /** The request argument refused (S3's `ArgumentName` and `ArgumentValue` of InvalidArgument). */
  argument?: { name: string; value: string };
}

/** Base class: domain code throws subclasses; only api/common turns them into responses. */
export class StoreError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly argument: { name: string; value: string } | undefined;

  constructor(code: ErrorCode, message: string, options: StoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StoreError';
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.argument = options.argument;
  }
}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}

/**
 * A failure met at once, as the rejection an async step would have made of it: a handler that
 * answers without a promise when it can still fails through one (its caller's `catch`).
 */
export function rejection(error: unknown): Promise<never> {
  return Promise.reject(error instanceof Error ? error : new Error(String(error)));
}

/** True when `error` is a Node system error with the given errno code (ENOENT, ENOSPC, ...). */
export function hasErrnoCode(error: unknown, ...codes: string[]): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    typeof error.code === 'string' &&
    codes.includes(error.code)
  );
}
