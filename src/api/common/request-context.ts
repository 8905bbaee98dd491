// Per-request context: the request target split once into path and query; the query parameters
// and the decoded path segments are parsed on first use (an S3 GET needs neither; a path with
// percent-encoding is decoded at once, so a malformed one is refused up front), request ID (made
// when an error answer or a log line first asks for it).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestId } from '../../util/ids.js';
import type { Logger } from '../../util/log.js';
import { badRequest } from '../../errors/index.js';
import type { StatsOperation } from './request-stats.js';
import type { NamespaceJson } from '../../wire/index.js';

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** The raw path as received (no `..` normalisation: names are validated, never rewritten). */
  readonly path: string;
  /** The raw query string including its leading `?`, or ''. */
  readonly search: string;
  readonly query: URLSearchParams;
  /**
   * Path segments after `/v1/`, each percent-decoded separately (so `%2F` stays inside a segment).
   * A path without percent-encoding is split on first use; one with it is decoded when the context
   * is made, which throws BadRequest for malformed percent-encoding.
   */
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
  /**
   * The announced length of an answer whose headers go out as a raw list (a proxied answer, a
   * native GET), for which Node keeps no header object to read it from: the stats count it.
   */
  answerLength?: number | undefined;
  /**
   * A bucket namespace in its one spelling (an attached cluster's alias becomes its UUID), so that
   * both name one bucket; absent: namespaces are taken as written.
   */
  readonly canonicalNamespace?: ((namespace: NamespaceJson) => NamespaceJson) | undefined;
}

/** How the server builds each request's context. */
export interface RequestContextOptions {
  nodeId: string;
  intra: boolean;
  log: Logger;
  canonicalNamespace?: ((namespace: NamespaceJson) => NamespaceJson) | undefined;
}

class Context implements RequestContext {
  readonly method: string;
  readonly path: string;
  readonly search: string;
  readonly remoteAddress: string;
  operation: StatsOperation | undefined = undefined;
  answerLength: number | undefined = undefined;
  #query: URLSearchParams | undefined = undefined;
  #segments: readonly string[] | undefined = undefined;
  #requestId: string | undefined = undefined;

  constructor(
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly nodeId: string,
    readonly intra: boolean,
    readonly log: Logger,
    readonly canonicalNamespace: ((namespace: NamespaceJson) => NamespaceJson) | undefined,
  ) {
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    this.path = queryStart < 0 ? target : target.slice(0, queryStart);
    this.search = queryStart < 0 ? '' : target.slice(queryStart);
    if (this.path.charCodeAt(0) !== 0x2f) {
      throw badRequest(`invalid request target "${target.slice(0, 200)}"`);
    }
    this.method = req.method ?? 'GET';
    this.remoteAddress = req.socket.remoteAddress ?? '';
    // A path with percent-encoding is decoded now, so that a malformed one is refused before the
    // request is handled (and counted), as every later reader of `segments` expects.
    if (this.path.includes('%')) this.#segments = decodeSegments(this.path);
  }

  /** Made on first use: only an error answer or a log line names the request. */
  get requestId(): string {
    this.#requestId ??= requestId();
    return this.#requestId;
  }

  get query(): URLSearchParams {
    this.#query ??= new URLSearchParams(this.search);
    return this.#query;
  }

  get segments(): readonly string[] {
    // A path with percent-encoding was decoded in the constructor: this one has nothing to decode.
    this.#segments ??= pathSegments(this.path);
    return this.#segments;
  }
}

export function createRequestContext(
  req: IncomingMessage,
  res: ServerResponse,
  options: RequestContextOptions,
): RequestContext {
  const { nodeId, intra, log, canonicalNamespace } = options;
  return new Context(req, res, nodeId, intra, log, canonicalNamespace);
}

function decodeSegments(path: string): readonly string[] {
  return pathSegments(path).map(decodeSegment);
}

/**
 * `path.split('/').slice(1)` for a path that starts with `/`, in a loop of `indexOf`: a request's
 * URL is a fresh string, which `split` takes through a runtime call (2.4x the time for a native
 * GET's four segments, docs/profiling.md).
 */
export function pathSegments(path: string): string[] {
  const segments: string[] = [];
  let start = 1;
  for (;;) {
    const end = path.indexOf('/', start);
    if (end < 0) break;
    segments.push(path.slice(start, end));
    start = end + 1;
  }
  segments.push(path.slice(start));
  return segments;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`malformed percent-encoding in URL path segment "${segment}"`);
  }
}
