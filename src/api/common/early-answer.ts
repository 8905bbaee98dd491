// Error answers given before routing: a request Node's parser refused (431 for a header section
// over the limit, 408 for headers that never ended, 400 otherwise), or a request line Cairn cannot
// parse. Each API keeps its own error form: the native API (`/v1/...`) gets AIStore's ErrHTTP JSON
// (in `Hdr-Error` for HEAD), S3 clients S3's XML. When not even the request line arrived whole (a
// header section split over several reads), the answer is plain text that neither misleads.
import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../../errors/index.js';
import { ContentType, Header, isNativeApiPath, type ErrorBodyJson } from '../../wire/index.js';
import { errorTable } from './error-response.js';

/** The request line of a request that never reached routing. */
export interface EarlyRequest {
  method: string;
  /** The path without the query. */
  path: string;
}

/** A complete answer: status, headers and body. */
export interface EarlyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Request lines longer than this are not looked for (the target is then unknown). */
const maxRequestLineBytes = 16 * 1024;

/**
 * Method and path from the first bytes of a raw request (Node's `rawPacket`), or undefined when
 * they do not start with a whole request line (`GET /v1/buckets HTTP/1.1`).
 */
export function parseRequestLine(raw: Buffer | undefined): EarlyRequest | undefined {
  if (raw === undefined) return undefined;
  const end = raw.subarray(0, maxRequestLineBytes).indexOf('\r\n');
  if (end < 0) return undefined;
  const match = /^([A-Z]+) (\/\S*) HTTP\/1\.[01]$/.exec(raw.subarray(0, end).toString('latin1'));
  if (match === null) return undefined;
  const target = match[2] ?? '/';
  const queryStart = target.indexOf('?');
  return { method: match[1] ?? '', path: queryStart < 0 ? target : target.slice(0, queryStart) };
}

/** The answer for `code` in the form of the API the request was for (plain text if unknown). */
export function earlyAnswer(
  code: ErrorCode,
  message: string,
  request: EarlyRequest | undefined,
  origin: { nodeId: string; remoteAddress: string },
): EarlyAnswer {
  const form = errorTable[code];
  if (request === undefined) {
    return { status: form.status, headers: textHeaders(), body: `${message}\n` };
  }
  if (!isNativeApiPath(request.path)) {
    const status = form.s3Status ?? form.status;
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${form.s3Code}</Code><Message>${escapeXml(message)}</Message>` +
      `<Resource>${escapeXml(request.path)}</Resource></Error>`;
    return { status, headers: { [Header.contentType]: 'application/xml' }, body };
  }
  const error: ErrorBodyJson = {
    message,
    method: request.method,
    url_path: request.path,
    remote_addr: origin.remoteAddress,
    caller: '',
    node: origin.nodeId,
    status: form.status,
    tcode: code,
  };
  const json = JSON.stringify(error);
  if (request.method === 'HEAD') {
    return { status: form.status, headers: { [Header.error]: json }, body: '' };
  }
  return { status: form.status, headers: { [Header.contentType]: ContentType.json }, body: json };
}

/** The answer as bytes for a socket no HTTP response object owns; the connection then closes. */
export function rawHttpResponse(answer: EarlyAnswer): string {
  const headers = {
    ...answer.headers,
    [Header.contentLength]: String(Buffer.byteLength(answer.body)),
    connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  const reason = STATUS_CODES[answer.status] ?? '';
  return `HTTP/1.1 ${answer.status} ${reason}\r\n${lines.join('')}\r\n${answer.body}`;
}

function textHeaders(): Record<string, string> {
  return { [Header.contentType]: ContentType.text };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
