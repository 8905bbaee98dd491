// The one table from error code to HTTP status and S3 error code, and the native ErrHTTP JSON body
// (Hdr-Error on HEAD). The S3 XML body is rendered by api/s3 from the same table.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { isStoreError, type ErrorCode } from '../../errors/index.js';
import { ContentType, Header, type ErrorBodyJson } from '../../wire/index.js';
import type { RequestContext } from './request-context.js';

/** What one error code means on the wire: HTTP status and S3 error code (one table for both APIs). */
export interface ErrorWireForm {
  status: number;
  /** The S3 `<Code>` of the error XML. */
  s3Code: string;
  /** When S3 answers with another status than the native API (e.g. RequestTimeout is a 400). */
  s3Status?: number;
  /**
   * S3's fixed `<Message>` for the code, where the native message names what the client never sent
   * (a target's ID, the `ais://` provider, paths).
   */
  s3Message?: string;
}

export const errorTable: Record<ErrorCode, ErrorWireForm> = {
  BadRequest: { status: 400, s3Code: 'InvalidRequest' },
  InvalidBucketName: { status: 400, s3Code: 'InvalidBucketName' },
  InvalidObjectName: { status: 400, s3Code: 'InvalidArgument' },
  UnknownProvider: { status: 400, s3Code: 'InvalidArgument' },
  InvalidChecksumType: { status: 400, s3Code: 'InvalidArgument' },
  InvalidBucketProps: { status: 400, s3Code: 'InvalidArgument' },
  ChecksumMismatch: { status: 400, s3Code: 'BadDigest' },
  InvalidRange: {
    status: 416,
    s3Code: 'InvalidRange',
    s3Message: 'The requested range is not satisfiable',
  },
  InvalidPartNumber: { status: 416, s3Code: 'InvalidPartNumber' },
  BucketNotFound: {
    status: 404,
    s3Code: 'NoSuchBucket',
    s3Message: 'The specified bucket does not exist',
  },
  ObjectNotFound: {
    status: 404,
    s3Code: 'NoSuchKey',
    s3Message: 'The specified key does not exist.',
  },
  NodeNotFound: { status: 404, s3Code: 'InvalidArgument', s3Status: 400 },
  JobNotFound: { status: 404, s3Code: 'InvalidArgument', s3Status: 400 },
  LogNotFound: { status: 404, s3Code: 'InvalidArgument', s3Status: 400 },
  // One tenant: a bucket that exists is always the caller's own.
  BucketAlreadyExists: { status: 409, s3Code: 'BucketAlreadyOwnedByYou' },
  BucketNameTaken: { status: 409, s3Code: 'BucketAlreadyExists' },
  Conflict: { status: 409, s3Code: 'OperationAborted' },
  ObjectCorrupted: { status: 500, s3Code: 'InternalError' },
  MethodNotAllowed: { status: 405, s3Code: 'MethodNotAllowed' },
  NotImplemented: { status: 501, s3Code: 'NotImplemented' },
  InsufficientStorage: { status: 507, s3Code: 'InsufficientStorage' },
  ClusterNotReady: { status: 503, s3Code: 'ServiceUnavailable' },
  PeerUnreachable: { status: 502, s3Code: 'ServiceUnavailable', s3Status: 503 },
  BackendUnreachable: { status: 502, s3Code: 'ServiceUnavailable', s3Status: 503 },
  BackendTimeout: { status: 504, s3Code: 'ServiceUnavailable', s3Status: 503 },
  TransformerUnavailable: { status: 503, s3Code: 'ServiceUnavailable' },
  TransformFailed: { status: 502, s3Code: 'InternalError', s3Status: 500 },
  TransformTimeout: { status: 504, s3Code: 'ServiceUnavailable', s3Status: 503 },
  RequestTimeout: { status: 408, s3Code: 'RequestTimeout', s3Status: 400 },
  RequestTooLarge: { status: 413, s3Code: 'MaxMessageLengthExceeded', s3Status: 400 },
  RequestHeaderTooLarge: { status: 431, s3Code: 'RequestHeaderSectionTooLarge' },
  TooManyRequests: { status: 429, s3Code: 'SlowDown', s3Status: 503 },
  Internal: { status: 500, s3Code: 'InternalError' },
  Unauthorized: { status: 401, s3Code: 'AccessDenied', s3Status: 403 },
  AccessDenied: { status: 403, s3Code: 'AccessDenied' },
  InvalidAccessKeyId: { status: 403, s3Code: 'InvalidAccessKeyId' },
  SignatureDoesNotMatch: { status: 403, s3Code: 'SignatureDoesNotMatch' },
  AuthorizationQueryParametersError: { status: 400, s3Code: 'AuthorizationQueryParametersError' },
  RequestTimeTooSkewed: { status: 403, s3Code: 'RequestTimeTooSkewed' },
  ContentSha256Mismatch: { status: 400, s3Code: 'XAmzContentSHA256Mismatch' },
  PreconditionFailed: { status: 412, s3Code: 'PreconditionFailed' },
  NotModified: { status: 304, s3Code: 'NotModified' },
  BucketNotEmpty: { status: 409, s3Code: 'BucketNotEmpty' },
  EntityTooSmall: { status: 400, s3Code: 'EntityTooSmall' },
  InvalidPart: { status: 400, s3Code: 'InvalidPart' },
  InvalidPartOrder: { status: 400, s3Code: 'InvalidPartOrder' },
  NoSuchUpload: { status: 404, s3Code: 'NoSuchUpload' },
  NoSuchVersion: { status: 404, s3Code: 'NoSuchVersion' },
  ObjectNameTooLong: { status: 400, s3Code: 'KeyTooLongError' },
  MetadataTooLarge: { status: 400, s3Code: 'MetadataTooLarge' },
  InvalidTag: { status: 400, s3Code: 'InvalidTag' },
  NoSuchTagSet: { status: 404, s3Code: 'NoSuchTagSet' },
  MalformedXML: { status: 400, s3Code: 'MalformedXML' },
  InvalidArgument: { status: 400, s3Code: 'InvalidArgument' },
  InvalidRequest: { status: 400, s3Code: 'InvalidRequest' },
  InvalidDigest: { status: 400, s3Code: 'InvalidDigest' },
  MissingContentLength: { status: 411, s3Code: 'MissingContentLength' },
  ConditionalRequestConflict: { status: 409, s3Code: 'ConditionalRequestConflict' },
  InvalidBucketState: { status: 409, s3Code: 'InvalidBucketState' },
  ObjectLockConfigurationNotFound: { status: 404, s3Code: 'ObjectLockConfigurationNotFoundError' },
  NoSuchObjectLockConfiguration: { status: 404, s3Code: 'NoSuchObjectLockConfiguration' },
  NoSuchLifecycleConfiguration: { status: 404, s3Code: 'NoSuchLifecycleConfiguration' },
  ServerSideEncryptionConfigurationNotFound: {
    status: 404,
    s3Code: 'ServerSideEncryptionConfigurationNotFoundError',
  },
  InvalidEncryptionAlgorithm: { status: 400, s3Code: 'InvalidEncryptionAlgorithmError' },
  KmsKeyNotFound: { status: 400, s3Code: 'KMS.NotFoundException' },
  MalformedPolicy: { status: 400, s3Code: 'MalformedPolicy' },
  NoSuchBucketPolicy: { status: 404, s3Code: 'NoSuchBucketPolicy' },
  MalformedACLError: { status: 400, s3Code: 'MalformedACLError' },
  UnresolvableGrantByEmailAddress: { status: 400, s3Code: 'UnresolvableGrantByEmailAddress' },
  AccessControlListNotSupported: { status: 400, s3Code: 'AccessControlListNotSupported' },
  InvalidBucketAclWithObjectOwnership: {
    status: 400,
    s3Code: 'InvalidBucketAclWithObjectOwnership',
  },
  OwnershipControlsNotFoundError: { status: 404, s3Code: 'OwnershipControlsNotFoundError' },
  NoSuchCORSConfiguration: { status: 404, s3Code: 'NoSuchCORSConfiguration' },
  CorsForbidden: { status: 403, s3Code: 'AccessForbidden' },
  NoSuchPublicAccessBlockConfiguration: {
    status: 404,
    s3Code: 'NoSuchPublicAccessBlockConfiguration',
  },
  EntityTooLarge: { status: 400, s3Code: 'EntityTooLarge' },
  InvalidPolicyDocument: { status: 400, s3Code: 'InvalidPolicyDocument' },
  MalformedPOSTRequest: { status: 400, s3Code: 'MalformedPOSTRequest' },
  IncorrectNumberOfFilesInPostRequest: {
    status: 400,
    s3Code: 'IncorrectNumberOfFilesInPostRequest',
  },
  MaxPostPreDataLengthExceeded: { status: 400, s3Code: 'MaxPostPreDataLengthExceededError' },
};

/** HTTP status of each code on the native API. */
export const statusByCode = Object.fromEntries(
  Object.entries(errorTable).map(([code, form]) => [code, form.status]),
) as Record<ErrorCode, number>;

/** Status, code and message for any thrown value; unknown errors become a logged 500. */
export function describeError(error: unknown): {
  status: number;
  code: ErrorCode;
  message: string;
} {
  if (isStoreError(error))
    return { status: statusByCode[error.code], code: error.code, message: error.message };
  return { status: 500, code: 'Internal', message: 'internal error' };
}

/**
 * Logs unexpected errors (not StoreErrors, or server faults) and, when the response already
 * started, cuts the connection. Returns false in that case: nothing more may be sent.
 */
export function reportError(
  context: RequestContext,
  error: unknown,
  described: { status: number; code: ErrorCode; message: string },
): boolean {
  const { res, req } = context;
  // Node clears `socket` once a connection is done with, whatever the types say.
  const socket: Socket | null = res.socket ?? req.socket;
  if (res.destroyed || socket === null || socket.destroyed) {
    // The client hung up (or the connection was already cut): nobody to answer, nothing to fix.
    // A write that failed on a reset socket arrives before the response itself is marked
    // destroyed (that happens on the socket's close, a tick later), hence the socket test.
    context.log.debug('request ended by the client', {
      requestId: context.requestId,
      path: context.path,
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
  if (!isStoreError(error) || described.status >= 500) {
    context.log.error('request failed', {
      requestId: context.requestId,
      method: context.method,
      path: context.path,
      code: described.code,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
  if (!res.headersSent && !res.writableEnded) {
    const hasBody =
      req.headers['transfer-encoding'] !== undefined ||
      (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
    if (hasBody && !req.complete) answerAfterUnreadBody(req, res, context.intra);
    return true;
  }
  // A half-sent answer must not look complete: cut the connection.
  res.destroy(error instanceof Error ? error : new Error(described.message));
  return false;
}

// A request refused before its body was read (a failed precondition, a missing bucket, a bad
// signature): a body of at most this many bytes is read and discarded before the answer goes out.
// Answered while the peer is still sending, the closed connection makes the peer's next write
// fail (EPIPE) before it reads the answer: a client saw a reset instead of the 412, and a gateway
// proxying the body to the refusing target answered 503, which clients retry with the whole body.
const discardedBodyMaxBytes = 64 * 1024 * 1024;
// From a cluster peer (a gateway relaying its client's upload) any body up to the largest single
// S3 PUT is read to its end: the gateway holds the answer until then, so its client gets the 412
// or 507 rather than a 503 it would retry with the whole body again.
const discardedPeerBodyMaxBytes = 5 * 1024 * 1024 * 1024;
// A peer that stops sending the rest for this long is cut.
const discardIdleMs = 15_000;

/**
 * The answer to a request whose body is unread: held until the rest of a bounded body has arrived
 * (and been dropped), or sent at once with the connection closed after it when the body is larger
 * or (from a client) of unknown length: never read and discard an unbounded body.
 */
function answerAfterUnreadBody(req: IncomingMessage, res: ServerResponse, fromPeer: boolean): void {
  const length = Number(req.headers['content-length']);
  const chunked = req.headers['transfer-encoding'] !== undefined;
  const bounded = fromPeer
    ? !(length > discardedPeerBodyMaxBytes)
    : !chunked && length <= discardedBodyMaxBytes;
  // A body torn down by its reader (a failed disk write detaches it from the socket, so that the
  // error can be answered) never ends: nothing left to read it with.
  if (!bounded || req.destroyed) {
    res.setHeader('connection', 'close');
    return;
  }
  // Corked, the answer's head and body wait in the socket's buffer until the body has ended.
  res.cork();
  const timer = setTimeout(() => res.destroy(), discardIdleMs);
  timer.unref();
  let released = false;
  let dropped = 0;
  const release = (): void => {
    if (released) return;
    released = true;
    clearTimeout(timer);
    res.uncork();
  };
  // Whatever was reading the body (a file sink, a digest) is done with it.
  req.unpipe();
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    timer.refresh();
    // A chunked body from a peer has no announced length: it is cut once over the bound.
    dropped += chunk.length;
    if (dropped > discardedPeerBodyMaxBytes) res.destroy();
  });
  req.once('end', release);
  req.once('close', () => {
    // Torn down before its end: the held answer cannot be followed by a usable connection.
    if (req.complete) release();
    else {
      clearTimeout(timer);
      res.destroy();
    }
  });
  req.resume();
}

/** Sends an error response unless the response already started (then the connection is cut). */
export function sendError(context: RequestContext, error: unknown): void {
  const { status, code, message } = describeError(error);
  if (!reportError(context, error, { status, code, message })) return;
  const { res } = context;
  const body: ErrorBodyJson = {
    message:
      status === 500 && code === 'Internal' ? `${message} (request ${context.requestId})` : message,
    method: context.method,
    url_path: context.path,
    remote_addr: context.remoteAddress,
    caller: String(context.req.headers[Header.callerName] ?? ''),
    node: context.nodeId,
    status,
    tcode: code,
  };
  res.setHeader('x-request-id', context.requestId);
  setRetryAfter(context, error);
  sendJsonAnswer(context, status, JSON.stringify(body));
}

/** `Retry-After` for an error that says when to try again (both APIs answer it). */
export function setRetryAfter(context: RequestContext, error: unknown): void {
  if (isStoreError(error) && error.retryAfterSeconds !== undefined)
    context.res.setHeader('retry-after', String(error.retryAfterSeconds));
}

/** Answers `status` with a JSON text: as the body, or in `Hdr-Error` for HEAD (no body allowed). */
export function sendJsonAnswer(context: RequestContext, status: number, text: string): void {
  const { res } = context;
  res.statusCode = status;
  if (context.method === 'HEAD') {
    res.setHeader(Header.error, text);
    res.end();
    return;
  }
  res.setHeader(Header.contentType, ContentType.json);
  res.setHeader(Header.contentLength, Buffer.byteLength(text));
  res.end(text);
}
