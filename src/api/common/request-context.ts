// Per-request context: parsed URL (path segments decoded one by one), query, ids, logger.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomId } from '../../util/ids.js';
import type { Logger } from '../../util/log.js';
import { badRequest } from '../../errors/index.js';
import type { StatsOperation } from './request-stats.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The raw path as received (no `..` normalisation: names are validated, never rewritten). */
  readonly path: string;
  /** The raw query string including its leading `?`, or ''. */
  readonly search: string;
  readonly query: URLSearchParams;
  /** Path segments after `/v1/`, each percent-decoded separately (so `%2F` stays inside a segment). */
  readonly segments: readonly string[];
  readonly requestId: string;
  readonly nodeId: string;
  /** True when the request arrived on the intra-cluster port. */
  readonly intra: boolean;
  /** The client's address, read on arrival (the socket is gone once the client hangs up). */
  readonly remoteAddress: string;
  readonly log: Logger;
  /** What the request counts as in the node's stats; routes set it when the path does not say. */
  operation?: StatsOperation | undefined;
}

export function createRequestContext(
  req: IncomingMessage,
  res: ServerResponse,
  options: { nodeId: string; intra: boolean; log: Logger },
): RequestContext {
  const target = req.url ?? '/';
  const queryStart = target.indexOf('?');
  const path = queryStart < 0 ? target : target.slice(0, queryStart);
  const search = queryStart < 0 ? '' : target.slice(queryStart);
  if (!path.startsWith('/')) throw badRequest(`invalid request target "${target.slice(0, 200)}"`);
  return {
    req,
    res,
    method: req.method ?? 'GET',
    path,
    search,
    query: new URLSearchParams(search),
    segments: path.split('/').slice(1).map(decodeSegment),
    requestId: randomId(12),
    nodeId: options.nodeId,
    intra: options.intra,
    remoteAddress: req.socket.remoteAddress ?? '',
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
