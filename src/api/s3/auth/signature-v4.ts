// AWS Signature Version 4 primitives: S3's URI encoding, the canonical request, the string to sign,
// the derived signing key, and the chunk and trailer signatures of aws-chunked bodies.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const signingAlgorithm = 'AWS4-HMAC-SHA256';
export const emptySha256 = createHash('sha256').update('').digest('hex');

/** The signing context a verified request leaves behind (chunk signatures chain from it). */
export interface SigningContext {
  signingKey: Buffer;
  /** `yyyymmddThhmmssZ` */
  amzDate: string;
  /** `<date>/<region>/s3/aws4_request` */
  scope: string;
  seedSignature: string;
}

/** Encodes every byte except `A-Za-z0-9-._~` (and `/` when `keepSlash`), as SigV4 requires. */
export function uriEncode(text: string, keepSlash: boolean): string {
  let encoded = encodeURIComponent(text).replace(
    /[!'()*]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  if (keepSlash) encoded = encoded.replace(/%2F/g, '/');
  return encoded;
}

function decodeLeniently(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The canonical URI of a raw request path: each segment decoded, then encoded once (no dot removal). */
export function canonicalUri(rawPath: string): string {
  return rawPath
    .split('/')
    .map((segment) => uriEncode(decodeLeniently(segment), false))
    .join('/');
}

/** The canonical query string: pairs encoded, sorted by name then value, `exclude` left out. */
export function canonicalQuery(rawSearch: string, exclude?: string): string {
  const text = rawSearch.startsWith('?') ? rawSearch.slice(1) : rawSearch;
  if (text === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = decodeLeniently(equals < 0 ? part : part.slice(0, equals));
    if (name === exclude) continue;
    const value = equals < 0 ? '' : decodeLeniently(part.slice(equals + 1));
    pairs.push([uriEncode(name, false), uriEncode(value, false)]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** `name:value\n` for each signed header: values trimmed, inner whitespace runs collapsed. */
export function canonicalHeaders(req: IncomingMessage, signedHeaders: readonly string[]): string {
  let text = '';
  for (const name of signedHeaders) {
    const values = req.headersDistinct[name] ?? [];
    const joined = values.map((value) => value.trim().replace(/\s+/g, ' ')).join(',');
    text += `${name}:${joined}\n`;
  }
  return text;
}

export interface CanonicalRequestParts {
  method: string;
  rawPath: string;
  rawSearch: string;
  /** A query parameter to leave out (X-Amz-Signature of a presigned URL). */
  excludeQuery?: string;
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function canonicalRequest(req: IncomingMessage, parts: CanonicalRequestParts): string {
  return [
    parts.method,
    canonicalUri(parts.rawPath),
    canonicalQuery(parts.rawSearch, parts.excludeQuery),
    canonicalHeaders(req, parts.signedHeaders),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

const signingKeys = new Map<string, Buffer>();
const signingKeysKept = 64;

/** `HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service), "aws4_request")`, cached per day. */
export function deriveSigningKey(
  secretKey: string,
  date: string,
  region: string,
  service: string,
): Buffer {
  const cacheKey = `${secretKey}\0${date}\0${region}\0${service}`;
  const cached = signingKeys.get(cacheKey);
  if (cached !== undefined) return cached;
  const key = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), service), 'aws4_request');
  if (signingKeys.size >= signingKeysKept) signingKeys.clear();
  signingKeys.set(cacheKey, key);
  return key;
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return `${signingAlgorithm}\n${amzDate}\n${scope}\n${sha256Hex(canonical)}`;
}

export function sign(signingKey: Buffer, text: string): string {
  return createHmac('sha256', signingKey).update(text).digest('hex');
}

/** Signature of one aws-chunked chunk, given the hex SHA-256 of its data. */
export function chunkSignature(
  context: SigningContext,
  previousSignature: string,
  dataSha256: string,
): string {
  const text = `${signingAlgorithm}-PAYLOAD\n${context.amzDate}\n${context.scope}\n${previousSignature}\n${emptySha256}\n${dataSha256}`;
  return sign(context.signingKey, text);
}

/** Signature of the trailing headers of an aws-chunked body (`name:value\n` each). */
export function trailerSignature(
  context: SigningContext,
  previousSignature: string,
  canonicalTrailers: string,
): string {
  const text = `${signingAlgorithm}-TRAILER\n${context.amzDate}\n${context.scope}\n${previousSignature}\n${sha256Hex(canonicalTrailers)}`;
  return sign(context.signingKey, text);
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
