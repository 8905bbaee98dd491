// Errors the SDK throws: ApiError for an HTTP error answer (with the parsed ErrHTTP body), and
// TransportError when no valid answer arrived (connection, timeout, truncated or malformed body).
import { STATUS_CODES } from 'node:http';
import type { ErrorBodyJson } from '../wire/index.js';
import { asRecord } from '../util/json.js';

/** What a request was doing, for error messages: `PUT ais://b/o`, `list buckets`. */
export interface OperationLabel {
  /** Method and target as shown to people, e.g. `PUT ais://b/o` or `GET cluster map`. */
  readonly text: string;
  /**
   * The bucket or object the request is about, in AIStore wording (`bucket "ais://b"` or
   * `ais://b/o`), used when the server sends no error message of its own.
   */
  readonly subject?: string;
}

/** An HTTP answer with an error status (>= 400, or an unexpected one). */
export class ApiError extends Error {
  /** HTTP status code. */
  readonly status: number;
  /** The server's ErrHTTP body (from the body, or `Hdr-Error` for HEAD), when it sent one. */
  readonly body?: ErrorBodyJson;
  /** The server's message, or one made up from the status when it sent none. */
  readonly detail: string;
  /** The failed operation, e.g. `PUT ais://b/o`. */
  readonly operation: string;
  /** How long the server asked to wait before trying again (its `Retry-After`), when it did. */
  readonly retryAfterMs?: number;

  constructor(
    label: OperationLabel,
    status: number,
    body?: ErrorBodyJson,
    text?: string,
    retryAfterMs?: number,
  ) {
    const detail = errorDetail(label, status, body, text);
    super(`${label.text}: ${status} ${detail}`);
    this.name = 'ApiError';
    this.status = status;
    if (body !== undefined) this.body = body;
    this.detail = detail;
    this.operation = label.text;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/** No usable HTTP answer: connection refused or reset, timeout, truncated or malformed body. */
export class TransportError extends Error {
  /** The failed operation, e.g. `GET ais://b/o`. */
  readonly operation: string;
  /** The underlying error code (`ECONNREFUSED`, `UND_ERR_HEADERS_TIMEOUT`, ...), when known. */
  readonly code?: string;
  /** The origin (`http://host:port`) of the node that failed, when known. */
  readonly origin?: string;

  constructor(
    label: OperationLabel,
    detail: string,
    options?: { cause?: unknown; code?: string; origin?: string },
  ) {
    super(`${label.text}: ${detail}`, options?.cause === undefined ? {} : { cause: options.cause });
    this.name = 'TransportError';
    this.operation = label.text;
    if (options?.code !== undefined) this.code = options.code;
    if (options?.origin !== undefined) this.origin = options.origin;
  }
}

/**
 * Codes of failures where no live server answered: retrying an idempotent request elsewhere is safe.
 */
const connectionErrorCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/**
 * Codes of failures before the request was sent (no connection was made): a retry elsewhere cannot
 * repeat an operation. The others above may come after the node read and applied the request.
 */
const notSentCodes = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** True when `error` means the request never left the client (see notSentCodes). */
export function isNotSentError(error: unknown): boolean {
  return error instanceof TransportError && notSentCodes.has(error.code ?? '');
}

/** True when `error` means the node could not be reached (a cluster-map refresh may help). */
export function isConnectionError(error: unknown): boolean {
  return error instanceof TransportError && connectionErrorCodes.has(error.code ?? '');
}

/** The `code` of a Node or undici error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = asRecord(error)?.['code'];
  return typeof code === 'string' ? code : undefined;
}

/**
 * Parses an ErrHTTP JSON text (`{"message", "method", "url_path", ..., "status"}`). Returns
 * undefined when the text is not such an object (servers and proxies also send plain text).
 */
export function parseErrorBody(text: string): ErrorBodyJson | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  const record = asRecord(parsed);
  if (record === undefined || typeof record['message'] !== 'string') return undefined;
  const field = (key: string): string => {
    const value = record[key];
    return typeof value === 'string' ? value : '';
  };
  const body: ErrorBodyJson = {
    message: field('message'),
    method: field('method'),
    url_path: field('url_path'),
    remote_addr: field('remote_addr'),
    caller: field('caller'),
    node: field('node'),
    status: typeof record['status'] === 'number' ? record['status'] : 0,
  };
  if (typeof record['tcode'] === 'string') body.tcode = record['tcode'];
  return body;
}

function errorDetail(
  label: OperationLabel,
  status: number,
  body: ErrorBodyJson | undefined,
  text: string | undefined,
): string {
  if (body !== undefined && body.message !== '') return body.message;
  const trimmed = text?.trim() ?? '';
  if (trimmed !== '') return trimmed.length > 500 ? `${trimmed.slice(0, 500)}...` : trimmed;
  if (label.subject !== undefined && status === 404) return `${label.subject} does not exist`;
  return STATUS_CODES[status] ?? 'unexpected status';
}

/** A short description of a low-level error: its message, plus its code when that adds something. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = errorCode(error);
  const message = error.message || error.name;
  const detail = code !== undefined && !message.includes(code) ? `${message} (${code})` : message;
  // Node wraps connection failures to all addresses in an AggregateError with an empty message.
  if (error instanceof AggregateError && error.errors.length > 0 && error.message === '') {
    return describeError(error.errors[0]);
  }
  return detail;
}
