// Verifies a request's AWS Signature V4, from the Authorization header or a presigned URL's query,
// against the configured key pair, and returns the signing context that chunk signatures chain from.
// Signature V2 requests are handed to authenticate-v2.ts.
import { StoreError } from '../../../errors/index.js';
import type { RequestContext } from '../../common/request-context.js';
import type { DeferredDecision } from '../access/access-decision.js';
import type { S3Principal } from '../access/principal.js';
import { authenticateV2, signatureV2Form } from './authenticate-v2.js';
import {
  canonicalRequest,
  deriveSigningKey,
  signatureMatches,
  signingAlgorithm,
  stringToSign,
  type SigningContext,
} from './signature-v4.js';

/** Longest validity of a presigned URL (S3: 7 days). */
const maxPresignedExpirySeconds = 604_800;

export interface AuthSettings {
  enabled: boolean;
  /** The secret of an access key, or undefined when the key is unknown. */
  secretOf(accessKey: string): string | undefined;
  maxClockSkewMs: number;
  nowMs(): number;
  /** The bucket a virtual-hosted request names in its Host (Signature V2 signs it in the path). */
  hostBucket?: string | undefined;
}

export interface AuthResult {
  /** Present when the request was signed and verified. */
  signing?: SigningContext;
  /** The access key that signed the request (absent when unsigned or auth is off). */
  accessKey?: string;
  /** What the client says about the payload: a hex SHA-256, UNSIGNED-PAYLOAD or STREAMING-*. */
  contentSha256: string;
  /** Unsigned while signatures are checked: only what ACLs and bucket policies grant everyone. */
  anonymous?: boolean;
  /** Who the request is from, as the authorization found it (absent when nothing checked it). */
  principal?: S3Principal;
  /** Set when the node that serves the object must finish the access decision. */
  deferred?: DeferredDecision;
}

interface ParsedAuthorization {
  accessKey: string;
  date: string;
  region: string;
  service: string;
  terminator: string;
  signedHeaders: readonly string[];
  signature: string;
  amzDate: string;
  payloadHash: string;
  presigned: boolean;
}

export const unsignedPayload = 'UNSIGNED-PAYLOAD';

/** Authenticates `context`; throws the S3 error for a missing, malformed or wrong signature. */
export function authenticate(context: RequestContext, settings: AuthSettings): AuthResult {
  const header = headerValue(context, 'x-amz-content-sha256');
  const contentSha256 = header ?? unsignedPayload;
  if (!settings.enabled) return { contentSha256 };
  const v2Form = signatureV2Form(context);
  if (v2Form !== undefined) return authenticateV2(context, settings, v2Form, contentSha256);
  const authorization = headerValue(context, 'authorization');
  let parsed: ParsedAuthorization;
  if (authorization !== undefined) {
    parsed = parseAuthorizationHeader(context, authorization, contentSha256);
  } else if (context.query.get('X-Amz-Algorithm') !== null) {
    parsed = parsePresignedQuery(context, settings);
  } else {
    // Anonymous: the authorization decides from the bucket's ACL and policy.
    return { contentSha256, anonymous: true };
  }
  const secretKey = settings.secretOf(parsed.accessKey);
  if (secretKey === undefined) {
    throw new StoreError(
      'InvalidAccessKeyId',
      'The AWS Access Key Id you provided does not exist in our records.',
    );
  }
  checkTime(parsed, settings);
  const scope = `${parsed.date}/${parsed.region}/${parsed.service}/${parsed.terminator}`;
  const canonical = canonicalRequest(context.req, {
    method: context.method,
    rawPath: context.path,
    rawSearch: context.search,
    ...(parsed.presigned ? { excludeQuery: 'X-Amz-Signature' } : {}),
    signedHeaders: parsed.signedHeaders,
    payloadHash: parsed.payloadHash,
  });
  const signingKey = deriveSigningKey(secretKey, parsed.date, parsed.region, parsed.service);
  if (
    !signatureMatches(signingKey, stringToSign(parsed.amzDate, scope, canonical), parsed.signature)
  ) {
    throw new StoreError(
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  }
  return {
    signing: { signingKey, amzDate: parsed.amzDate, scope, seedSignature: parsed.signature },
    accessKey: parsed.accessKey,
    contentSha256,
  };
}

function headerValue(context: RequestContext, name: string): string | undefined {
  const value = context.req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export function malformed(message: string): StoreError {
  return new StoreError('InvalidArgument', `AuthorizationHeaderMalformed: ${message}`);
}

/** `AWS4-HMAC-SHA256 Credential=AK/date/region/s3/aws4_request, SignedHeaders=a;b, Signature=hex` */
function parseAuthorizationHeader(
  context: RequestContext,
  header: string,
  payloadHash: string,
): ParsedAuthorization {
  if (!header.startsWith(`${signingAlgorithm} `)) {
    throw malformed(`unsupported authorization type (expecting ${signingAlgorithm})`);
  }
  let credential: string | undefined;
  let signedHeaders: string | undefined;
  let signature: string | undefined;
  for (const part of header.slice(signingAlgorithm.length + 1).split(',')) {
    const equals = part.indexOf('=');
    if (equals <= 0) continue;
    const name = part.slice(0, equals).trim();
    if (name === 'Credential') credential = part.slice(equals + 1).trim();
    else if (name === 'SignedHeaders') signedHeaders = part.slice(equals + 1).trim();
    else if (name === 'Signature') signature = part.slice(equals + 1).trim();
  }
  const amzDate = headerValue(context, 'x-amz-date') ?? amzDateFromHttpDate(context);
  return {
    ...parseCredential(credential),
    signedHeaders: parseSignedHeaders(signedHeaders),
    signature: requireSignature(signature),
    amzDate,
    payloadHash,
    presigned: false,
  };
}

function parsePresignedQuery(context: RequestContext, settings: AuthSettings): ParsedAuthorization {
  const query = context.query;
  if (query.get('X-Amz-Algorithm') !== signingAlgorithm) {
    throw malformed(`X-Amz-Algorithm must be ${signingAlgorithm}`);
  }
  const amzDate = query.get('X-Amz-Date') ?? '';
  const expires = presignedExpirySeconds(query.get('X-Amz-Expires'));
  const signedAtMs = parseAmzDate(amzDate);
  if (settings.nowMs() > signedAtMs + expires * 1000) {
    throw new StoreError('AccessDenied', 'Request has expired');
  }
  return {
    ...parseCredential(query.get('X-Amz-Credential') ?? undefined),
    signedHeaders: parseSignedHeaders(query.get('X-Amz-SignedHeaders') ?? undefined),
    signature: requireSignature(query.get('X-Amz-Signature') ?? undefined),
    amzDate,
    payloadHash: query.get('X-Amz-Content-Sha256') ?? unsignedPayload,
    presigned: true,
  };
}

/** `X-Amz-Expires` as S3 checks it (0 is valid and expires at once); AWS's messages. */
function presignedExpirySeconds(text: string | null): number {
  const refuse = (message: string): StoreError =>
    new StoreError('AuthorizationQueryParametersError', message);
  if (text === null) {
    throw refuse(
      'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.',
    );
  }
  if (!/^[+-]?\d+$/.test(text.trim())) throw refuse('X-Amz-Expires should be a number');
  const expires = Number(text);
  if (expires < 0) throw refuse('X-Amz-Expires must be non-negative');
  if (expires > maxPresignedExpirySeconds) {
    throw refuse(
      `X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than ${maxPresignedExpirySeconds} seconds`,
    );
  }
  return expires;
}

type Credential = Pick<
  ParsedAuthorization,
  'accessKey' | 'date' | 'region' | 'service' | 'terminator'
>;

/**
 * A client signs many requests with the same credential scope and header list: both are parsed
 * once and kept (a few of each; cleared when full, like the signing keys).
 */
const parsedKept = 64;
const credentials = new Map<string, Readonly<Credential>>();
const signedHeaderLists = new Map<string, readonly string[]>();

function remember<T>(cache: Map<string, T>, text: string, value: T): T {
  if (cache.size >= parsedKept) cache.clear();
  cache.set(text, value);
  return value;
}

export function parseCredential(credential: string | undefined): Readonly<Credential> {
  const known = credential === undefined ? undefined : credentials.get(credential);
  if (known !== undefined) return known;
  const parts = (credential ?? '').split('/');
  if (parts.length !== 5)
    throw malformed('Credential must be <key>/<date>/<region>/s3/aws4_request');
  const [accessKey = '', date = '', region = '', service = '', terminator = ''] = parts;
  if (service !== 's3' || terminator !== 'aws4_request' || !/^\d{8}$/.test(date)) {
    throw malformed(`invalid credential scope "${parts.slice(1).join('/')}"`);
  }
  return remember(credentials, credential ?? '', { accessKey, date, region, service, terminator });
}

function parseSignedHeaders(text: string | undefined): readonly string[] {
  const known = text === undefined ? undefined : signedHeaderLists.get(text);
  if (known !== undefined) return known;
  const names = (text ?? '').split(';').filter((name) => name !== '');
  if (names.length === 0) throw malformed('SignedHeaders is missing');
  if (!names.includes('host')) throw malformed('SignedHeaders must include host');
  return remember(
    signedHeaderLists,
    text ?? '',
    Object.freeze(names.map((name) => name.toLowerCase())),
  );
}

export function requireSignature(signature: string | undefined): string {
  if (signature === undefined || !/^[0-9a-f]{64}$/.test(signature)) {
    throw malformed('Signature must be 64 lowercase hex digits');
  }
  return signature;
}

function checkTime(parsed: ParsedAuthorization, settings: AuthSettings): void {
  const signedAtMs = parseAmzDate(parsed.amzDate);
  const skewMs = signedAtMs - settings.nowMs();
  if (!parsed.presigned && Math.abs(skewMs) > settings.maxClockSkewMs) {
    throw new StoreError(
      'RequestTimeTooSkewed',
      'The difference between the request time and the server time is too large.',
    );
  }
  if (!parsed.amzDate.startsWith(parsed.date)) {
    throw malformed('the credential date does not match the request date');
  }
  if (parsed.presigned && skewMs > settings.maxClockSkewMs) {
    throw new StoreError('AccessDenied', 'Request is not valid yet');
  }
}

/** The last date parsed: requests signed in the same second share it. */
let lastAmzDate = { text: '', ms: 0 };

/** `yyyymmddThhmmssZ` to Unix milliseconds; AccessDenied when malformed. */
function parseAmzDate(amzDate: string): number {
  if (amzDate === lastAmzDate.text) return lastAmzDate.ms;
  const ms = parseAmzDateText(amzDate);
  lastAmzDate = { text: amzDate, ms };
  return ms;
}

export function parseAmzDateText(amzDate: string): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (match === null) throw new StoreError('AccessDenied', `invalid X-Amz-Date "${amzDate}"`);
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

/** Clients that sign the `Date` header instead of `x-amz-date` (RFC 1123 form). */
function amzDateFromHttpDate(context: RequestContext): string {
  const text = headerValue(context, 'date');
  const time = text === undefined ? Number.NaN : Date.parse(text);
  if (Number.isNaN(time)) throw new StoreError('AccessDenied', 'the request has no valid date');
  return new Date(time)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
