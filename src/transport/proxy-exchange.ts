// One proxied request to a peer on `node:http`'s client: a keep-alive pool per protocol, the raw
// header list sent as it is, and the peer's answer piped into the client's response with its
// backpressure. Node's client parses in C++ and hands the socket's own chunks on; undici's receive
// path (paused-mode `socket.read()`, which concatenates, and a copy into its WASM parser) made two
// to six times the garbage per MiB, collected on V8's helper threads (docs/profiling.md).
import {
  Agent,
  request as httpRequest,
  type ClientRequest,
  type ClientRequestArgs,
  type IncomingMessage,
} from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import { buildConnector } from 'undici';

type Connector = buildConnector.connector;

/** Writes the answer's status and headers (a raw list: names and values alternating) to `res`. */
export type ProxyHead = (statusCode: number, rawHeaders: readonly string[]) => void;

/** An answer's head as passed on: its headers as a raw list, and its body length. */
export interface PassedHead {
  headers: string[];
  /** The announced body length (Node keeps no header object for a raw list, so it is noted here). */
  contentLength: number | undefined;
}

/** The answer's raw headers for `writeHead`, without those in `dropped` (lower case). */
export function passedHead(
  rawHeaders: readonly string[],
  dropped: ReadonlySet<string>,
): PassedHead {
  const headers: string[] = [];
  let contentLength: number | undefined;
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index] as string;
    const lower = name.toLowerCase();
    if (dropped.has(lower)) continue;
    const value = rawHeaders[index + 1] as string;
    if (lower === 'content-length') contentLength = Number(value);
    headers.push(name, value);
  }
  return { headers, contentLength };
}

/** A request to proxy: one peer's origin (`http://host:port`, made once per node), path and query. */
export interface ProxyRequest {
  origin: string;
  /** Path and query, already encoded. */
  path: string;
  method: string;
  /** Header names and values, alternating (a raw header list, as `IncomingMessage.rawHeaders`). */
  headers: string[];
  body?: Readable | undefined;
  /** Longest time the connection to the peer may stay idle (no answer yet, or between chunks). */
  timeoutMs: number;
}

export interface PeerPoolOptions {
  connectionsPerPeer: number;
  /** How long an unused pooled connection is kept. */
  idleTimeoutMs: number;
  /** How connections are opened (TLS trust and client certificate); default plain undici's. */
  connect?: Connector | undefined;
}

/** An origin as the pool needs it, parsed once. */
interface PeerOrigin {
  agent: Agent;
  hostname: string;
  port: number;
  /** The Host header: the origin's authority. */
  host: string;
}

/** Origins are the cluster's nodes; past this many distinct ones the cache starts over. */
const maxCachedOrigins = 4096;

/**
 * Node's Agent opening its connections through an undici connector, so that TLS material that is
 * reloaded (TlsConnector) and the connect timeout (its error code marks an unreachable peer) are
 * the same as on every other intra-cluster connection.
 */
class ConnectorAgent extends Agent {
  readonly #connect: Connector;
  readonly #protocol: string;
  readonly #idleTimeoutMs: number;

  constructor(protocol: string, connect: Connector, options: PeerPoolOptions) {
    super({
      keepAlive: true,
      maxSockets: options.connectionsPerPeer,
      timeout: options.idleTimeoutMs,
    });
    this.#protocol = protocol;
    this.#connect = connect;
    this.#idleTimeoutMs = options.idleTimeoutMs;
  }

  override createConnection(
    options: ClientRequestArgs,
    callback?: (error: Error | null, stream: Duplex) => void,
  ): undefined {
    const hostname = options.host ?? 'localhost';
    const port = String(options.port ?? '');
    this.#connect(
      { hostname, host: `${hostname}:${port}`, protocol: this.#protocol, port },
      (error, socket) => {
        if (error !== null) {
          // Node's Agent reads only the error when there is one.
          callback?.(error, undefined as unknown as Duplex);
          return;
        }
        // Node's Agent sets its idle timeout only on sockets it opened itself.
        socket.setTimeout(this.#idleTimeoutMs);
        callback?.(null, socket);
      },
    );
    return undefined;
  }
}

/** Keep-alive pools to peers (one per protocol) and the proxied requests through them. */
export class PeerPool {
  readonly #agents = new Map<string, Agent>();
  readonly #origins = new Map<string, PeerOrigin>();
  readonly #connect: Connector;

  constructor(private readonly options: PeerPoolOptions) {
    this.#connect = options.connect ?? buildConnector({});
  }

  /**
   * Proxies `request` and writes the answer into `res`: `head` writes the status line and headers
   * from the answer's raw list, the body follows as the peer's chunks with `res`'s backpressure.
   * Resolves once the answer is fully handed to `res`; rejects when the exchange fails (a peer not
   * connected to, a timeout, the peer or the client hanging up), and then `res` is destroyed if its
   * head was written. The body is never destroyed here: with no head written yet, the caller can
   * still answer with an error. Takes ownership of `request.headers`.
   */
  exchange(request: ProxyRequest, res: Writable, head: ProxyHead): Promise<void> {
    const origin = this.#origin(request.origin);
    const headers = request.body === undefined ? withoutFraming(request.headers) : request.headers;
    if (!hasHost(headers)) headers.push('host', origin.host);
    return new Promise<void>((resolve, reject) => {
      const upstream = httpRequest({
        agent: origin.agent,
        host: origin.hostname,
        port: origin.port,
        method: request.method,
        path: request.path,
        headers,
        timeout: request.timeoutMs,
      });
      new ProxyExchange(upstream, request, res, head, resolve, reject).start();
    });
  }

  close(): void {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
  }

  #origin(origin: string): PeerOrigin {
    const known = this.#origins.get(origin);
    if (known !== undefined) return known;
    const url = new URL(origin);
    let agent = this.#agents.get(url.protocol);
    if (agent === undefined) {
      agent = new ConnectorAgent(url.protocol, this.#connect, this.options);
      this.#agents.set(url.protocol, agent);
    }
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    const parsed = { agent, hostname: url.hostname, port, host: url.host };
    if (this.#origins.size >= maxCachedOrigins) this.#origins.clear();
    this.#origins.set(origin, parsed);
    return parsed;
  }
}

/** The state of one exchange: settles once, whichever of answer, error or hang-up comes first. */
class ProxyExchange {
  #answer: IncomingMessage | undefined;
  /** The answer's head was written to `res`. */
  #started = false;
  #settled = false;

  constructor(
    private readonly upstream: ClientRequest,
    private readonly request: ProxyRequest,
    private readonly res: Writable,
    private readonly head: ProxyHead,
    private readonly resolve: () => void,
    private readonly reject: (error: Error) => void,
  ) {}

  start(): void {
    const { upstream, request, res } = this;
    upstream.on('response', this.#onResponse);
    upstream.on('error', this.#fail);
    upstream.on('timeout', this.#onTimeout);
    // Watched from the start: a client that hangs up before the answer arrives cuts the exchange.
    res.once('close', this.#onClientClose);
    if (res.destroyed) return this.#fail(new Error('the client closed the connection'));
    const body = request.body;
    if (body === undefined) {
      upstream.end();
      return;
    }
    body.once('error', this.#onBodyError);
    body.pipe(upstream);
  }

  readonly #onResponse = (answer: IncomingMessage): void => {
    this.#answer = answer;
    answer.on('error', this.#fail);
    answer.once('close', this.#onAnswerClose);
    if (this.#settled) return void answer.destroy();
    try {
      this.head(answer.statusCode ?? 502, answer.rawHeaders);
    } catch (error) {
      return this.#fail(error as Error);
    }
    this.#started = true;
    answer.once('end', this.#onEnd);
    answer.pipe(this.res);
  };

  readonly #onEnd = (): void => {
    this.#settled = true;
    this.#detach();
    // The peer answered before the whole body was sent (a refusal): the connection cannot carry
    // another request, so it goes rather than send the rest.
    if (!this.upstream.writableEnded) this.upstream.destroy();
    this.resolve();
  };

  readonly #fail = (error: Error): void => {
    if (this.#settled) return;
    this.#settled = true;
    this.#detach();
    // Once the head was written, the client can only learn of the failure from a cut connection.
    if (this.#started) this.res.destroy();
    this.#answer?.unpipe(this.res);
    this.#answer?.destroy();
    this.upstream.destroy();
    this.reject(error);
  };

  readonly #onTimeout = (): void => {
    this.upstream.destroy(
      new Error(`the peer sent nothing for ${this.request.timeoutMs} ms (timeout)`),
    );
  };

  readonly #onAnswerClose = (): void => {
    if (!this.#settled && this.#answer?.complete !== true)
      this.#fail(new Error('the peer closed the connection before the answer ended'));
  };

  readonly #onClientClose = (): void => {
    if (!this.#settled) this.#fail(new Error('the client closed the connection'));
  };

  readonly #onBodyError = (error: Error): void => {
    this.upstream.destroy(error);
  };

  /** Stops taking the client's body; the client's request is left to the caller's answer. */
  #detach(): void {
    this.request.body?.unpipe(this.upstream);
  }
}

/** True when the raw list names a Host (a client's signed one, passed on to a gateway). */
function hasHost(headers: readonly string[]): boolean {
  for (let index = 0; index < headers.length; index += 2)
    if ((headers[index] as string).length === 4 && headers[index]?.toLowerCase() === 'host')
      return true;
  return false;
}

/** The list without body framing: a request sent without a body must not announce one. */
function withoutFraming(headers: string[]): string[] {
  let framed = false;
  for (let index = 0; index < headers.length && !framed; index += 2)
    framed = isFraming(headers[index] as string);
  if (!framed) return headers;
  const kept: string[] = [];
  for (let index = 0; index + 1 < headers.length; index += 2)
    if (!isFraming(headers[index] as string))
      kept.push(headers[index] as string, headers[index + 1] as string);
  return kept;
}

function isFraming(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === 'content-length' || lower === 'transfer-encoding';
}
