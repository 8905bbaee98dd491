// Which bucket and key an S3 request names: virtual-hosted style (`<bucket>.<domain>`), path style
// under `/s3/` (AIStore's spelling), or path style at the root (anything not under `/v1/`).
import type { RequestContext } from '../common/request-context.js';

/** The path prefix of AIStore's S3 API; requests forwarded between nodes always use it. */
export const s3PathPrefix = 's3';

export interface S3Address {
  /** Undefined for service-level requests (ListBuckets). */
  bucket: string | undefined;
  /** Undefined for bucket-level requests. */
  key: string | undefined;
}

/** The host name of a request without its port, lowercase. */
function hostName(context: RequestContext): string {
  const host = context.req.headers.host ?? '';
  const withoutPort = host.startsWith('[')
    ? host.slice(0, host.indexOf(']') + 1)
    : host.split(':')[0];
  return (withoutPort ?? '').toLowerCase();
}

/** The bucket a virtual-hosted request names in its Host (a subdomain of one of `domains`). */
export function hostBucket(
  context: RequestContext,
  domains: readonly string[],
): string | undefined {
  const host = hostName(context);
  for (const domain of domains) {
    if (domain !== '' && host.endsWith(`.${domain}`)) {
      return host.slice(0, host.length - domain.length - 1);
    }
  }
  return undefined;
}

/** Resolves a request's bucket and key; `bucket` is its Host's (`hostBucket`), if any. */
export function resolveAddress(context: RequestContext, bucket: string | undefined): S3Address {
  if (bucket === undefined) return pathStyleAddress(context);
  const key = context.segments.join('/');
  return { bucket, key: key === '' ? undefined : key };
}

/** `/s3/<bucket>/<key>` or `/<bucket>/<key>`; each segment was percent-decoded on its own. */
export function pathStyleAddress(context: RequestContext): S3Address {
  let segments = context.segments;
  if (segments[0] === s3PathPrefix && (context.path === '/s3' || context.path.startsWith('/s3/'))) {
    segments = segments.slice(1);
  }
  const [bucket = '', ...rest] = segments;
  const key = rest.join('/');
  return { bucket: bucket === '' ? undefined : bucket, key: key === '' ? undefined : key };
}

/** The canonical path-style path of an object (or bucket) for requests between nodes. */
export function forwardedPath(bucket: string, key?: string): string {
  const encodedKey =
    key === undefined ? '' : `/${key.split('/').map(encodeURIComponent).join('/')}`;
  return `/${s3PathPrefix}/${encodeURIComponent(bucket)}${encodedKey}`;
}
