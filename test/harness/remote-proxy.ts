// A proxy in front of a remote (s3rver) that counts the requests it passes and can fail them as a
// remote does: refuse (connections reset), cut a GET's body after some bytes, go silent, answer
// GETs late, or throttle (S3's 503 SlowDown, or 429, with a Retry-After if asked) over a rate or
// for the first requests of each path; ranged GETs are recorded with their ranges.
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { TokenBucket } from '../../src/util/token-bucket.js';

export type ProxyMode =
  | { kind: 'pass' }
  | { kind: 'refuse' }
  | { kind: 'silent' }
  /** GET bodies stop after this many bytes and the connection is reset. */
  | { kind: 'cut'; afterBytes: number }
  /** Requests over `perSecond` (after a burst of `burst`) are answered `status`. */
  | { kind: 'throttle'; perSecond: number; burst: number; status: 429 | 503; retryAfter?: string }
  /** The first `count` requests of each path are answered `status`. */
  | { kind: 'throttle-first'; count: number; status: 429 | 503; retryAfter?: string }
  /** Each GET is answered this much later (a slow remote). */
  | { kind: 'slow'; delayMs: number };

export class RemoteProxy {
  mode: ProxyMode = { kind: 'pass' };
  /** `METHOD /path?query` of every request passed on. */
  readonly requests: string[] = [];
  /** When each of `requests` arrived (ms, performance.now()). */
  readonly arrivalsMs: number[] = [];
  /** `METHOD /path?query` of every request answered with a throttling status. */
  readonly throttled: string[] = [];
  #rate: { mode: ProxyMode; bucket: TokenBucket } | undefined;
  /** `/path?query bytes=a-b` of every GET with a Range header passed on. */
  readonly rangedGets: string[] = [];
  /** Open connections, reset at the end. */
  readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly endpoint: string,
  ) {}

  static async start(remote: string): Promise<RemoteProxy> {
    const target = new URL(remote);
    const holder: { proxy?: RemoteProxy } = {};
    const server = createServer((req, res) => {
      const mode = holder.proxy?.mode ?? { kind: 'pass' };
      if (mode.kind === 'refuse') {
        req.socket.destroy();
        return;
      }
      if (mode.kind === 'silent') return;
      const line = `${req.method} ${req.url}`;
      const proxy = holder.proxy;
      if (proxy !== undefined && proxy.#throttles(mode, line)) {
        proxy.throttled.push(line);
        req.resume();
        answerThrottled(res, mode, req.method);
        return;
      }
      holder.proxy?.requests.push(line);
      holder.proxy?.arrivalsMs.push(performance.now());
      const range = req.headers.range;
      if (req.method === 'GET' && range !== undefined)
        holder.proxy?.rangedGets.push(`${req.url} ${range}`);
      const delayMs = mode.kind === 'slow' && req.method === 'GET' ? mode.delayMs : 0;
      if (delayMs === 0) forward(mode, req, res);
      else setTimeout(() => forward(mode, req, res), delayMs);
    });
    function forward(mode: ProxyMode, req: IncomingMessage, res: ServerResponse): void {
      const upstream = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          // A fresh connection per request: reusing one s3rver is closing would fail the request
          // with a reset that no test asked for.
          agent: false,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          let sent = 0;
          answer.on('data', (chunk: Buffer) => {
            if (
              mode.kind === 'cut' &&
              req.method === 'GET' &&
              sent + chunk.length > mode.afterBytes
            ) {
              res.write(chunk.subarray(0, Math.max(0, mode.afterBytes - sent)));
              answer.destroy();
              res.socket?.destroy();
              return;
            }
            sent += chunk.length;
            res.write(chunk);
          });
          answer.on('end', () => res.end());
          answer.on('error', () => res.destroy());
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }
    // Idle connections stay open for the test's life: a node's backend client (one attempt in
    // these tests) must never reuse a connection the proxy is closing.
    server.keepAliveTimeout = 10 * 60_000;
    server.on('connection', (socket: Socket) => {
      holder.proxy?.sockets.add(socket);
      socket.on('close', () => holder.proxy?.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const proxy = new RemoteProxy(server, `http://127.0.0.1:${port}`);
    holder.proxy = proxy;
    return proxy;
  }

  /** Whether a throttling mode refuses this request. */
  #throttles(mode: ProxyMode, line: string): mode is Extract<ProxyMode, { status: number }> {
    if (mode.kind === 'throttle-first') {
      const path = line.split('?')[0];
      return this.throttled.filter((seen) => seen.split('?')[0] === path).length < mode.count;
    }
    if (mode.kind !== 'throttle') return false;
    if (this.#rate?.mode !== mode) {
      const bucket = new TokenBucket(mode.perSecond / 1000, mode.burst, performance.now());
      this.#rate = { mode, bucket };
    }
    return this.#rate.bucket.take(performance.now()) > 0;
  }

  /** How many GETs of `key` in `bucket` were passed on. */
  gets(bucket: string, key: string): number {
    const path = `/${bucket}/${key}`;
    return this.requests.filter((line) => line === `GET ${path}` || line.startsWith(`GET ${path}?`))
      .length;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** S3's answer to a client over its request rate. */
function answerThrottled(
  res: ServerResponse,
  { status, retryAfter }: { status: 429 | 503; retryAfter?: string },
  method: string | undefined,
): void {
  const code = status === 503 ? 'SlowDown' : 'TooManyRequests';
  const body =
    method === 'HEAD'
      ? ''
      : `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>Please reduce your request rate.</Message></Error>`;
  res.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': body.length,
    ...(retryAfter === undefined ? {} : { 'retry-after': retryAfter }),
  });
  res.end(body);
}
