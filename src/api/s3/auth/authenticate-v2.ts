// Verifies a request signed with AWS Signature Version 2, as MinIO accepts it: the
// `Authorization: AWS <AccessKeyId>:<Signature>` header, or a presigned URL's `AWSAccessKeyId`,
// `Expires` and `Signature` query parameters. The access key found is the request's identity, as
// a Signature V4 one is: ACLs and policies decide the same way for both.
import { StoreError } from '../../../errors/index.js';
import type { RequestContext } from '../../common/request-context.js';
import {
  decodeQuery,
  signatureV2Matches,
  stringsToSign,
  type QueryParameter,
} from './signature-v2.js';

export type SignatureV2Form = 'header' | 'query';

/** What authenticate.ts's settings give a Signature V2 check. */
export interface V2Settings {
  /** The secret of an access key, or undefined when the key is unknown. */
  secretOf(accessKey: string): string | undefined;
  maxClockSkewMs: number;
  nowMs(): number;
  /** The bucket a virtual-hosted request names in its Host (signed as the path's first segment). */
  hostBucket?: string | undefined;
}

/** A verified request: who signed it, and what it says of its payload. */
export interface V2AuthResult {
  accessKey: string;
  contentSha256: string;
}

const headerPrefix = 'AWS ';

/** The Signature V2 form a request is signed with, or undefined (V4, or unsigned). */
export function signatureV2Form(context: RequestContext): SignatureV2Form | undefined {
  const authorization = context.req.headers.authorization;
  if (authorization !== undefined)
    return authorization.startsWith(headerPrefix) ? 'header' : undefined;
  if (context.search === '') return undefined;
  const query = context.query;
  return !query.has('X-Amz-Algorithm') && (query.has('AWSAccessKeyId') || query.has('Signature'))
    ? 'query'
    : undefined;
}

interface SignedV2 {
  accessKey: string;
  signature: string;
  /** What the string to sign has as its date: the Date header, or the URL's Expires. */
  date: string;
  query: readonly QueryParameter[];
}

/**
 * Authenticates a request `signatureV2Form` found signed; throws the S3 error of a malformed,
 * expired, skewed or wrong signature. `contentSha256` is what the client says of its payload.
 */
export function authenticateV2(
  context: RequestContext,
  settings: V2Settings,
  form: SignatureV2Form,
  contentSha256: string,
): V2AuthResult {
  // Chunk signatures chain from a V4 seed signature: a V2 request has none to verify them with.
  if (contentSha256.startsWith('STREAMING-AWS4-HMAC-SHA256-')) {
    throw new StoreError(
      'InvalidRequest',
      `x-amz-content-sha256 ${contentSha256} needs AWS Signature Version 4`,
    );
  }
  const signed = form === 'header' ? fromHeader(context, settings) : fromQuery(context, settings);
  const secretKey = settings.secretOf(signed.accessKey);
  if (secretKey === undefined) {
    throw new StoreError(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  const texts = stringsToSign(context.req, {
    method: context.method,
    // Virtual-hosted: the bucket is signed as the first path segment.
    resourcePath:
      settings.hostBucket === undefined ? context.path : `/${settings.hostBucket}${context.path}`,
    query: signed.query,
    date: signed.date,
  });
  if (!signatureV2Matches(secretKey, texts, signed.signature)) {
    throw new StoreError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  return { contentSha256, accessKey: signed.accessKey };
}

/** `AWS <AccessKeyId>:<Signature>`, dated by `x-amz-date` or `Date` within the allowed skew. */
function fromHeader(context: RequestContext, settings: V2Settings): SignedV2 {
  const credentials = (context.req.headers.authorization ?? '').slice(headerPrefix.length).trim();
  const colon = credentials.lastIndexOf(':');
  if (colon <= 0 || colon === credentials.length - 1 || credentials.includes(' ')) {
    throw new StoreError(
      'InvalidArgument',
      'AuthorizationHeaderMalformed: expecting "AWS <AccessKeyId>:<Signature>"',
    );
  }
  const amzDate = headerText(context, 'x-amz-date');
  const date = headerText(context, 'date');
  const signedAtMs = httpDateMs(amzDate ?? date);
  if (Math.abs(signedAtMs - settings.nowMs()) > settings.maxClockSkewMs) {
    throw new StoreError(
      'RequestTimeTooSkewed',
      'The difference between the request time and the server time is too large.',
    );
  }
  return {
    accessKey: credentials.slice(0, colon),
    signature: credentials.slice(colon + 1),
    // With x-amz-date sent, the Date line is signed empty (AWS's rule; MinIO signs the Date
    // header's value, which is the same unless a client sends both).
    date: amzDate === undefined ? (date ?? '') : '',
    query: context.search === '' ? [] : decodeQuery(context.search),
  };
}

/** `AWSAccessKeyId`, `Signature` and `Expires` (Unix seconds), refused once expired. */
function fromQuery(context: RequestContext, settings: V2Settings): SignedV2 {
  const query = decodeQuery(context.search);
  const value = (name: string): string | undefined => query.find(([key]) => key === name)?.[1];
  const accessKey = value('AWSAccessKeyId');
  const signature = value('Signature');
  const expires = value('Expires');
  if (accessKey === undefined || signature === undefined || expires === undefined) {
    throw new StoreError(
      'AccessDenied',
      'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters',
    );
  }
  if (!/^\d{1,12}$/.test(expires)) {
    throw new StoreError(
      'InvalidArgument',
      `Expires must be seconds since the epoch: "${expires}"`,
    );
  }
  if (Number(expires) * 1000 < settings.nowMs()) {
    throw new StoreError('AccessDenied', 'Request has expired');
  }
  return { accessKey, signature, date: expires, query };
}

function headerText(context: RequestContext, name: string): string | undefined {
  const value = context.req.headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

/** An HTTP date (RFC 1123 and the other RFC 2616 forms), or ISO 8601 basic `yyyymmddThhmmssZ`. */
function httpDateMs(text: string | undefined): number {
  const iso = text?.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z');
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new StoreError(
      'AccessDenied',
      'AWS authentication requires a valid Date or x-amz-date header',
    );
  }
  return ms;
}
