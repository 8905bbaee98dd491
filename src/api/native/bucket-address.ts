// Bucket identity from a request: name from the path, provider and namespace from the query (an
// attached cluster's alias in the namespace becomes its UUID).
import { StoreError, unknownProvider } from '../../errors/index.js';
import {
  bucketNameProblem,
  isGlobalNamespace,
  normalizeProvider,
  parseNamespace,
  Query,
  type BucketJson,
} from '../../wire/index.js';
import type { RequestContext } from '../common/request-context.js';

/**
 * Builds the bucket of a request. As in AIStore, the name is validated while the URL is parsed, on
 * gateways and targets alike, with AIStore's wording (400).
 */
export function bucketFromRequest(context: RequestContext, name: string): BucketJson {
  const problem = bucketNameProblem(name);
  if (problem !== undefined) throw new StoreError('InvalidBucketName', problem);
  const spelling = context.query.get(Query.provider);
  const provider = normalizeProvider(spelling);
  if (provider === undefined) throw unknownProvider(spelling ?? '');
  const written = parseNamespace(context.query.get(Query.namespace));
  if (written === undefined) {
    throw new StoreError(
      'BadRequest',
      `invalid namespace "${context.query.get(Query.namespace) ?? ''}"`,
    );
  }
  const namespace = context.canonicalNamespace?.(written) ?? written;
  return isGlobalNamespace(namespace) ? { name, provider } : { name, provider, namespace };
}
