// Requests between nodes: a gateway forwards object requests to the target that stores the key with
// the signing context it verified, so the target can check aws-chunked signatures without the secret
// key. Only the intra-cluster port accepts these headers; anywhere else they are ignored.
import { StoreError } from '../../errors/index.js';
import type { RequestContext } from '../common/request-context.js';
import type { AuthResult } from './auth/authenticate.js';
import type { DeferredDecision } from './access/access-decision.js';
import type { S3Principal } from './access/principal.js';
import type {
  S3ListRequest,
  S3ReadRouting,
  S3UploadListRequest,
  S3VersionListRequest,
} from './ports.js';
import { forwardedPath, pathStyleAddress, type S3Address } from './addressing.js';

export const ForwardHeader = {
  forwardedBy: 'x-cairn-s3-forwarded-by',
  signingKey: 'x-cairn-s3-signing-key',
  amzDate: 'x-cairn-s3-amz-date',
  scope: 'x-cairn-s3-scope',
  seedSignature: 'x-cairn-s3-seed-signature',
  contentSha256: 'x-cairn-s3-content-sha256',
  /**
   * The object key, percent-encoded: URL parsers on the way (WHATWG, as undici uses) would resolve
   * `.` and `..` segments of a key in the path, so the key travels in a header too.
   */
  key: 'x-cairn-s3-key',
  /** The ID of an unreachable owner the receiving target stands in for (reads only). */
  substituteFor: 'x-cairn-s3-substitute-for',
  /** A PutObject carrying a browser form upload's file: its length is known only at its end. */
  formUpload: 'x-cairn-s3-form-upload',
  /** The version of the bucket metadata the forwarding node checked the bucket with. */
  bucketMetadataVersion: 'x-cairn-s3-bmd-version',
  /** The caller the forwarding node authorized (JSON, percent-encoded): owners of new objects. */
  principal: 'x-cairn-s3-principal',
  /** An access decision the receiving node finishes with the object (JSON, percent-encoded). */
  deferred: 'x-cairn-s3-deferred',
} as const;

/** The headers that mark a request from another node, for object `key`. */
export function forwardedRequestHeaders(nodeId: string, key: string): Record<string, string> {
  return { [ForwardHeader.forwardedBy]: nodeId, [ForwardHeader.key]: encodeURIComponent(key) };
}

/** The address of a forwarded request: path style, with the key from its header when present. */
export function forwardedAddress(context: RequestContext): S3Address {
  const address = pathStyleAddress(context);
  const key = context.req.headers[ForwardHeader.key];
  if (typeof key !== 'string') return address;
  try {
    return { bucket: address.bucket, key: decodeURIComponent(key) };
  } catch {
    throw new StoreError('BadRequest', 'forwarded S3 request with a malformed key header');
  }
}

/** Query parameter of the internal per-target listings a gateway merges. */
export const internalListQuery = 'x-cairn-list';
export type InternalListKind = 'objects' | 'versions' | 'uploads';

/** True when the request came from another node of the cluster on the intra-cluster port. */
export function isForwarded(context: RequestContext): boolean {
  return context.intra && context.req.headers[ForwardHeader.forwardedBy] !== undefined;
}

/** Every header of the forwarding protocol starts so; a gateway drops clients' headers that do. */
export const forwardHeaderPrefix = 'x-cairn-s3-';

/**
 * Headers that mark a forwarded request and carry its verified authentication, as a raw list
 * (names and values alternating) appended to `headers`. The signing context (key, date, scope, seed
 * signature) goes only with signed aws-chunked bodies, the one thing on a target that checks it.
 */
export function appendForwardingHeaders(
  headers: string[],
  nodeId: string,
  key: string,
  auth: AuthResult,
): void {
  headers.push(
    ForwardHeader.forwardedBy,
    nodeId,
    ForwardHeader.key,
    encodeURIComponent(key),
    ForwardHeader.contentSha256,
    auth.contentSha256,
  );
  if (auth.principal !== undefined)
    headers.push(ForwardHeader.principal, encodedPrincipal(auth.principal));
  if (auth.deferred !== undefined)
    headers.push(ForwardHeader.deferred, encodeURIComponent(JSON.stringify(auth.deferred)));
  const signing = auth.signing;
  if (signing !== undefined && auth.contentSha256.startsWith('STREAMING-')) {
    headers.push(
      ForwardHeader.signingKey,
      signing.signingKey.toString('hex'),
      ForwardHeader.amzDate,
      signing.amzDate,
      ForwardHeader.scope,
      signing.scope,
      ForwardHeader.seedSignature,
      signing.seedSignature,
    );
  }
}

/**
 * Principals as their header value. Most requests carry one of a few long-lived principal objects
 * (the admin's is a constant), so each is encoded once rather than on every forwarded request.
 */
const principalHeaders = new WeakMap<S3Principal, string>();

function encodedPrincipal(principal: S3Principal): string {
  let value = principalHeaders.get(principal);
  if (value === undefined) {
    value = encodeURIComponent(JSON.stringify(principal));
    principalHeaders.set(principal, value);
  }
  return value;
}

/** How a forwarded read reached this target (in place of an unreachable owner, or not). */
export function forwardedRouting(context: RequestContext): S3ReadRouting {
  const substituteFor = context.req.headers[ForwardHeader.substituteFor];
  return isForwarded(context) && typeof substituteFor === 'string' && substituteFor !== ''
    ? { substituteFor }
    : {};
}

/** The authentication a forwarding node verified. */
export function forwardedAuth(context: RequestContext): AuthResult {
  const get = (name: string): string | undefined => {
    const value = context.req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const contentSha256 = get(ForwardHeader.contentSha256) ?? 'UNSIGNED-PAYLOAD';
  const decided = forwardedDecision(get(ForwardHeader.principal), get(ForwardHeader.deferred));
  const key = get(ForwardHeader.signingKey);
  if (key === undefined) return { contentSha256, ...decided };
  const amzDate = get(ForwardHeader.amzDate);
  const scope = get(ForwardHeader.scope);
  const seedSignature = get(ForwardHeader.seedSignature);
  if (amzDate === undefined || scope === undefined || seedSignature === undefined) {
    throw new StoreError('BadRequest', 'forwarded S3 request with an incomplete signing context');
  }
  return {
    contentSha256,
    ...decided,
    signing: { signingKey: Buffer.from(key, 'hex'), amzDate, scope, seedSignature },
  };
}

let lastPrincipal: { text: string; value: S3Principal } | undefined;

/** The forwarding node's principal and deferred decision (written by `appendForwardingHeaders`). */
function forwardedDecision(
  principal: string | undefined,
  deferred: string | undefined,
): Pick<AuthResult, 'principal' | 'deferred'> {
  const parsed = (text: string): unknown => {
    try {
      return JSON.parse(decodeURIComponent(text));
    } catch {
      throw new StoreError('BadRequest', 'forwarded S3 request with a malformed access header');
    }
  };
  const result: Pick<AuthResult, 'principal' | 'deferred'> = {};
  if (principal !== undefined) {
    // A target sees the same few principals again and again: the last one is kept decoded.
    let known = lastPrincipal;
    if (known?.text !== principal) {
      known = { text: principal, value: Object.freeze(parsed(principal) as S3Principal) };
      lastPrincipal = known;
    }
    result.principal = known.value;
  }
  if (deferred !== undefined) result.deferred = parsed(deferred) as DeferredDecision;
  return result;
}

/** Path and query of a target's share of a listing (JSON), which the gateway merges. */
export function internalListPath(
  bucket: string,
  kind: InternalListKind,
  request: S3ListRequest | S3VersionListRequest | S3UploadListRequest,
): string {
  const query = new URLSearchParams({
    [internalListQuery]: kind,
    prefix: request.prefix,
    delimiter: request.delimiter,
    'start-after': request.startAfter,
    'max-keys': String(request.maxKeys),
  });
  if ('versionIdMarker' in request) query.set('version-id-marker', request.versionIdMarker);
  if ('uploadIdMarker' in request) query.set('upload-id-marker', request.uploadIdMarker);
  if (request.session !== undefined) query.set('session', request.session);
  return `${forwardedPath(bucket)}?${query.toString()}`;
}
