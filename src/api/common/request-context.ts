// Per-request context: parsed URL (path segments decoded one by one), query, ids, logger.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomId } from '../../util/ids.js';
import type { Logger } from '../../util/log.js';
import { badRequest } from '../../errors/index.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly url: URL;
  readonly query: URLSearchParams;
  /** Path segments after `/v1/`, each percent-decoded separately (so `%2F` stays inside a segment). */
  readonly segments: readonly string[];
  readonly requestId: string;
  readonly nodeId: string;
  /** True when the request arrived on the intra-cluster port. */
  readonly intra: boolean;
  readonly log: Logger;
}

export function createRequestContext(
  req: IncomingMessage,
  res: ServerResponse,
  options: { nodeId: string; intra: boolean; log: Logger },
): RequestContext {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const raw = url.pathname.split('/').slice(1);
  return {
    req,
    res,
    method: req.method ?? 'GET',
    url,
    query: url.searchParams,
    segments: raw.map(decodeSegment),
    requestId: randomId(12),
    nodeId: options.nodeId,
    intra: options.intra,
    log: options.log,
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`malformed percent-encoding in URL path segment "${segment}"`);
  }
}
