// What every S3 operation handler receives: the request context, the resolved bucket and key,
// the verified authentication, the role's ports and the current S3 settings.
import { StoreError } from '../../errors/index.js';
import { isVersionId } from '../../util/ids.js';
import type { RequestContext } from '../common/request-context.js';
import type { AuthResult } from './auth/authenticate.js';
import type { Clock } from '../../util/clock.js';
import type { S3Ports } from './ports.js';

/** S3 settings, read from the cluster config for every request (they change at run time). */
export interface S3Settings {
  authEnabled: boolean;
  /** Domains for virtual-hosted-style requests. */
  domains: readonly string[];
  region: string;
  multipartMinPartBytes: number;
  maxClockSkewMs: number;
  /** SSE-KMS: the key IDs of the cluster's key store, and the one `aws:kms` alone means. */
  kmsKeys: readonly string[];
  kmsDefaultKey: string | undefined;
}

export interface S3Request {
  readonly context: RequestContext;
  readonly bucket: string;
  /** '' for bucket-level operations. */
  readonly key: string;
  readonly auth: AuthResult;
  readonly ports: S3Ports;
  readonly settings: S3Settings;
  /** The node's clock (retention dates, policy expiry and time conditions are checked by it). */
  readonly clock: Clock;
}

export type S3Handler = (request: S3Request) => Promise<void>;

/** A header as one string (the first when repeated), or undefined. */
export function header(request: S3Request, name: string): string | undefined {
  const value = request.context.req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** `versionId` query parameter; S3's `null` version is the unversioned one. */
export function versionIdOf(request: S3Request): string | undefined {
  if (request.context.search === '') return undefined;
  const value = request.context.query.get('versionId');
  if (value === null) return undefined;
  // S3 refuses an empty or malformed ID before looking for the object (400, not 404 NoSuchVersion).
  if (value === '')
    throw new StoreError('InvalidArgument', 'Version id cannot be the empty string', {
      argument: { name: 'versionId', value },
    });
  return checkedVersionId(value, 'versionId');
}

/**
 * A client-given version ID (query, copy source, marker): one Cairn can have made, or 400 naming
 * the argument that carried it.
 */
export function checkedVersionId(value: string, argument: string): string {
  if (!isVersionId(value))
    throw new StoreError('InvalidArgument', 'Invalid version id specified', {
      argument: { name: argument, value },
    });
  return value;
}
