// A target's share of a listing, as JSON for the gateway that merges the shares of all targets
// (reached only through the intra-cluster port, with the forwarding header).
import { StoreError } from '../../../errors/index.js';
import type { RequestContext } from '../../common/request-context.js';
import { internalListQuery, type InternalListKind } from '../forwarding.js';
import type { S3BucketPort, S3ListRequest } from '../ports.js';

/** Parses the listing parameters `internalListPath` wrote. */
export function parseInternalList(query: URLSearchParams): S3ListRequest {
  const maxKeys = Number(query.get('max-keys') ?? '');
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 0) {
    throw new StoreError('BadRequest', 'internal listing: invalid max-keys');
  }
  const session = query.get('session');
  return {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') ?? '',
    startAfter: query.get('start-after') ?? '',
    maxKeys,
    ...(session === null ? {} : { session }),
  };
}

export async function serveInternalList(
  context: RequestContext,
  buckets: S3BucketPort,
  bucket: string,
): Promise<void> {
  const kind = context.query.get(internalListQuery) as InternalListKind | null;
  const request = parseInternalList(context.query);
  let page: unknown;
  switch (kind) {
    case 'objects':
      page = await buckets.listObjects(bucket, request);
      break;
    case 'versions':
      page = await buckets.listObjectVersions(bucket, {
        ...request,
        versionIdMarker: context.query.get('version-id-marker') ?? '',
      });
      break;
    case 'uploads':
      page = await buckets.listUploads(bucket, {
        ...request,
        uploadIdMarker: context.query.get('upload-id-marker') ?? '',
      });
      break;
    default:
      throw new StoreError('BadRequest', `internal listing: unknown kind "${String(kind)}"`);
  }
  const text = JSON.stringify(page);
  context.res.setHeader('content-type', 'application/json');
  context.res.setHeader('content-length', Buffer.byteLength(text));
  context.res.end(text);
}
