// Remote failures as the store's typed errors, each naming the backend: the remote's own answers
// (404, 403, 412) keep their meaning; a remote that throttles (429, 503) asks the client to slow
// down in turn (429, S3 SlowDown); a remote that cannot be reached or fails is a 502, one that
// goes silent past the timeout a 504.
import { PassThrough, type Readable } from 'node:stream';
import { StoreError, hasErrnoCode, isStoreError } from '../errors/index.js';
import { retryAfterMs } from '../util/time.js';

/** Where a failure happened: the bucket as the cluster names it, and the remote's address. */
export interface BackendIdentity {
  /** `aws://bucket` */
  bucketUri: string;
  /** `http://host:port`, or the provider's default endpoint. */
  remote: string;
}

export function describeBackend(identity: BackendIdentity): string {
  return `${identity.bucketUri} at ${identity.remote}`;
}

const timeoutCodes = [
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
];

/** `error` from `operation` on the remote as a StoreError (StoreErrors pass through). */
export function backendError(
  identity: BackendIdentity,
  operation: string,
  error: unknown,
  objectName?: string,
): StoreError {
  if (isStoreError(error)) return error;
  const where = describeBackend(identity);
  const status = httpStatusOf(error);
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  if (status === 404) {
    return objectName === undefined
      ? new StoreError(
          'BucketNotFound',
          `bucket "${identity.bucketUri}" does not exist in ${where}`,
        )
      : new StoreError(
          'ObjectNotFound',
          `${identity.bucketUri}/${objectName} does not exist in ${where}`,
        );
  }
  if (status === 403) {
    return new StoreError('AccessDenied', `${where} refused ${operation}: ${detail}`, {
      cause: error,
    });
  }
  if (status === 412)
    return new StoreError('PreconditionFailed', `${where}: ${operation}: ${detail}`);
  if (status === 429 || status === 503) {
    return new BackendThrottledError(
      `backend ${where} throttled ${operation} (HTTP ${status}): ${detail}`,
      error,
      remoteRetryAfterMs(error),
    );
  }
  if (isTimeout(error)) {
    return new StoreError('BackendTimeout', `backend ${where} timed out: ${operation}: ${detail}`, {
      cause: error,
    });
  }
  const answered = status === undefined ? '' : ` (HTTP ${status})`;
  return new StoreError(
    'BackendUnreachable',
    `backend ${where} failed${answered}: ${operation}: ${detail}`,
    { cause: error },
  );
}

/**
 * A remote that answered 429 or 503: the client is asked to slow down (429, S3 SlowDown) after
 * `Retry-After` seconds, the remote's own when it sent one (the rate limiter bounds it, see
 * backend-rate-limit.ts), else 1.
 */
export class BackendThrottledError extends StoreError {
  constructor(
    message: string,
    cause: unknown,
    /** The remote's `Retry-After`, in milliseconds, when it sent one. */
    readonly remoteRetryAfterMs: number | undefined,
    retryAfterSeconds = Math.max(1, Math.ceil((remoteRetryAfterMs ?? 0) / 1000)),
  ) {
    super('TooManyRequests', message, { cause, retryAfterSeconds });
    this.name = 'BackendThrottledError';
  }
}

/**
 * A remote body for the reader: a remote that fails mid-body fails it with an error naming the
 * backend (502/504); a reader that stops early releases the remote's stream.
 */
export function relayRemoteBody(
  identity: BackendIdentity,
  name: string,
  source: Readable | undefined,
): Readable {
  const body = new PassThrough();
  if (source === undefined) return body.end();
  source.once('error', (error) =>
    body.destroy(backendError(identity, 'GET object body', error, name)),
  );
  body.once('close', () => source.destroy());
  source.pipe(body);
  return body;
}

/** An HTTP origin's answer other than success (`ht://` backends), with its status. */
export class RemoteStatusError extends Error {
  constructor(
    readonly status: number,
    what: string,
    /** The answer's `Retry-After`, in milliseconds, when it had one. */
    readonly retryAfterMs?: number,
  ) {
    super(`${what}: HTTP ${status}`);
    this.name = 'RemoteStatusError';
  }
}

/**
 * The remote's HTTP status: the AWS SDK's `$metadata`, the native SDK's `ApiError.status`, or a
 * RemoteStatusError's.
 */
function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  if (error instanceof RemoteStatusError) return error.status;
  if (error instanceof Error && error.name === 'ApiError' && 'status' in error)
    return typeof error.status === 'number' ? error.status : undefined;
  if (!('$metadata' in error)) return undefined;
  const metadata = (error as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  return typeof metadata?.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
}

/**
 * The remote's `Retry-After`: the native SDK's and RemoteStatusError's parsed value, or the
 * header of the AWS SDK's raw answer (`$response`, a hidden property of its errors).
 */
function remoteRetryAfterMs(error: unknown): number | undefined {
  if (error instanceof RemoteStatusError) return error.retryAfterMs;
  if (typeof error !== 'object' || error === null) return undefined;
  if (error instanceof Error && error.name === 'ApiError' && 'retryAfterMs' in error)
    return typeof error.retryAfterMs === 'number' ? error.retryAfterMs : undefined;
  const response = (error as { $response?: { headers?: Record<string, string | undefined> } })
    .$response;
  return retryAfterMs(response?.headers?.['retry-after']);
}

/**
 * The SDK names a reset connection `TimeoutError` too (so that it retries it): a timeout is known
 * by its code or the SDK's own "timed out" wording instead.
 */
function isTimeout(error: unknown): boolean {
  if (hasErrnoCode(error, ...timeoutCodes)) return true;
  return error instanceof Error && /timed out/i.test(error.message);
}
