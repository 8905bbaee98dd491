// AWS Signature Version 4 primitives: S3's URI encoding, the canonical request, the string to sign,
// the derived signing key, and the chunk and trailer signatures of aws-chunked bodies.
import * as crypto from 'node:crypto';
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

/** Text that SigV4's encoding leaves as it is: unreserved characters only (and `/`, in a path). */
const unreservedPath = /^[A-Za-z0-9\-._~/]*$/;
const unreserved = /^[A-Za-z0-9\-._~]*$/;

/** The canonical URI of a raw request path: each segment decoded, then encoded once (no dot removal). */
export function canonicalUri(rawPath: string): string {
  // Most paths need neither: nothing to decode, nothing to encode.
  if (unreservedPath.test(rawPath)) return rawPath;
  return rawPath
    .split('/')
    .map((segment) => uriEncode(decodeLeniently(segment), false))
    .join('/');
}

/** One name or value of a query string in its canonical form (decoded, then encoded once). */
function canonicalQueryPart(raw: string): string {
  return unreserved.test(raw) ? raw : uriEncode(decodeLeniently(raw), false);
}

/** The canonical query string: pairs encoded, sorted by name then value, `exclude` left out. */
export function canonicalQuery(rawSearch: string, exclude?: string): string {
  const text = rawSearch.startsWith('?') ? rawSearch.slice(1) : rawSearch;
  if (text === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const rawName = equals < 0 ? part : part.slice(0, equals);
    const plain = unreserved.test(rawName);
    const decodedName = plain ? rawName : decodeLeniently(rawName);
    if (decodedName === exclude) continue;
    const name = plain ? rawName : uriEncode(decodedName, false);
    pairs.push([name, equals < 0 ? '' : canonicalQueryPart(part.slice(equals + 1))]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  let canonical = '';
  for (const [name, value] of pairs) canonical += `${canonical === '' ? '' : '&'}${name}=${value}`;
  return canonical;
}

const foldableWhitespace = /\s{2,}|[\t\r\n\f\v]/;

/**
 * `name:value\n` for each signed header: values trimmed, inner whitespace runs collapsed, repeated
 * headers joined with `,` in the order received. Read from the raw header list in one pass.
 */
export function canonicalHeaders(req: IncomingMessage, signedHeaders: readonly string[]): string {
  const values: Array<string | undefined> = new Array<string | undefined>(signedHeaders.length);
  const raw = req.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const position = signedHeaders.indexOf((raw[index] as string).toLowerCase());
    if (position < 0) continue;
    let value = (raw[index + 1] as string).trim();
    if (foldableWhitespace.test(value)) value = value.replace(/\s+/g, ' ');
    const earlier = values[position];
    values[position] = earlier === undefined ? value : `${earlier},${value}`;
  }
  let text = '';
  for (let position = 0; position < signedHeaders.length; position += 1) {
    text += `${signedHeaders[position]}:${values[position] ?? ''}\n`;
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
  const query = parts.rawSearch === '' ? '' : canonicalQuery(parts.rawSearch, parts.excludeQuery);
  return `${parts.method}\n${canonicalUri(parts.rawPath)}\n${query}\n${canonicalHeaders(req, parts.signedHeaders)}\n${parts.signedHeaders.join(';')}\n${parts.payloadHash}`;
}

/** One-shot hashing where Node has it (20.12+): no Hash object per call. */
const oneShotHash = (
  crypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }
).hash;

export function sha256Hex(data: string | Uint8Array): string {
  if (typeof data === 'string' && oneShotHash !== undefined)
    return oneShotHash('sha256', data, 'hex');
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

/** True when `signature` (64 lowercase hex digits) signs `text` with `signingKey`; constant time. */
export function signatureMatches(signingKey: Buffer, text: string, signature: string): boolean {
  const expected = createHmac('sha256', signingKey).update(text).digest();
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(expected, given);
}
