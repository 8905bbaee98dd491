// Bucket identity from a request: name from the path, provider and namespace from the query.
import { StoreError, unknownProvider } from '../../errors/index.js';
import {
  isGlobalNamespace,
  normalizeProvider,
  parseNamespace,
  Query,
  type BucketJson,
} from '../../wire/index.js';
import type { RequestContext } from '../common/request-context.js';

/** Builds the bucket of a request; the name is validated by the role (it knows the rules). */
export function bucketFromRequest(context: RequestContext, name: string): BucketJson {
  const spelling = context.query.get(Query.provider);
  const provider = normalizeProvider(spelling);
  if (provider === undefined) throw unknownProvider(spelling ?? '');
  const namespace = parseNamespace(context.query.get(Query.namespace));
  if (namespace === undefined) {
    throw new StoreError(
      'BadRequest',
      `invalid namespace "${context.query.get(Query.namespace) ?? ''}"`,
    );
  }
  return isGlobalNamespace(namespace) ? { name, provider } : { name, provider, namespace };
}
