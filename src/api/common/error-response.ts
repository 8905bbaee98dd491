// The one table from error code to HTTP status, and the ErrHTTP JSON body (Hdr-Error on HEAD).
import { isStoreError, type ErrorCode } from '../../errors/index.js';
import { ContentType, Header, type ErrorBodyJson } from '../../wire/index.js';
import type { RequestContext } from './request-context.js';

export const statusByCode: Record<ErrorCode, number> = {
  BadRequest: 400,
  InvalidBucketName: 400,
  InvalidObjectName: 400,
  UnknownProvider: 400,
  InvalidChecksumType: 400,
  InvalidBucketProps: 400,
  ChecksumMismatch: 400,
  InvalidRange: 416,
  BucketNotFound: 404,
  ObjectNotFound: 404,
  NodeNotFound: 404,
  BucketAlreadyExists: 409,
  Conflict: 409,
  ObjectCorrupted: 500,
  MethodNotAllowed: 405,
  NotImplemented: 501,
  InsufficientStorage: 507,
  ClusterNotReady: 503,
  PeerUnreachable: 502,
  RequestTimeout: 408,
  Internal: 500,
};

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

/** Sends an error response unless the response already started (then the connection is cut). */
export function sendError(context: RequestContext, error: unknown): void {
  const { status, code, message } = describeError(error);
  if (!isStoreError(error) || status >= 500) {
    context.log.error('request failed', {
      requestId: context.requestId,
      method: context.method,
      path: context.path,
      code,
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
  const { res } = context;
  if (res.headersSent) {
    res.destroy(error instanceof Error ? error : new Error(message));
    return;
  }
  const body: ErrorBodyJson = {
    message:
      status === 500 && code === 'Internal' ? `${message} (request ${context.requestId})` : message,
    method: context.method,
    url_path: context.path,
    remote_addr: context.req.socket.remoteAddress ?? '',
    caller: String(context.req.headers[Header.callerName] ?? ''),
    node: context.nodeId,
    status,
    tcode: code,
  };
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('x-request-id', context.requestId);
  if (context.method === 'HEAD') {
    res.setHeader(Header.error, text);
    res.end();
    return;
  }
  res.setHeader(Header.contentType, ContentType.json);
  res.setHeader(Header.contentLength, Buffer.byteLength(text));
  res.end(text);
}
