// SigV4 header signing of S3 requests (through the `aws4` library): the canonical path and query
// encoding S3 expects, and the headers to send. Pure, so it is tested against AWS's examples.
import aws4 from 'aws4';
import type { S3Credentials } from '../bench-options.js';

/** RFC 3986 encoding of one path segment or query value, as SigV4 canonicalises it. */
export function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `/bucket/a/b.txt?list-type=2&prefix=x`: segments and query encoded, query sorted. */
export function s3RequestPath(segments: readonly string[], query: Record<string, string>): string {
  const search = Object.keys(query)
    .sort()
    .map((name) => `${encodeRfc3986(name)}=${encodeRfc3986(query[name] ?? '')}`)
    .join('&');
  return `/${segments.map(encodeRfc3986).join('/')}${search === '' ? '' : `?${search}`}`;
}

export interface SigningRequest {
  method: string;
  /** `host[:port]` exactly as the Host header will carry it. */
  host: string;
  /** Already encoded (see `s3RequestPath`). */
  path: string;
  /** Headers to sign and send; `x-amz-date` pins the signing time (tests). */
  headers: Record<string, string>;
}

/**
 * The headers to send: the given ones plus `x-amz-date`, `x-amz-content-sha256` (UNSIGNED-PAYLOAD
 * unless given: bodies are streamed, never hashed by the client) and `authorization`. Host is
 * signed but left out: the HTTP client sends the same value from the URL.
 */
export function signS3Request(
  request: SigningRequest,
  credentials: S3Credentials,
): Record<string, string> {
  const headers: Record<string, string> = {
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    ...request.headers,
  };
  const signed = aws4.sign(
    {
      host: request.host,
      path: request.path,
      method: request.method,
      headers,
      service: 's3',
      region: credentials.region,
    },
    { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey },
  );
  const sent: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers ?? {})) {
    if (name.toLowerCase() !== 'host' && value !== undefined)
      sent[name.toLowerCase()] = String(value);
  }
  return sent;
}
