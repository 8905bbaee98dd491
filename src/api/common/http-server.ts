// HTTP server bootstrap: one handler per port, request contexts, errors turned into responses,
// and `Expect: 100-continue` left to the handler (a gateway redirects before the body is sent).
import {
  createServer,
  maxHeaderSize,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import type { CertificateMaterial, NodeCertificates } from '../../util/tls/node-certificates.js';
import type { ErrorCode } from '../../errors/index.js';
import { earlyAnswer, parseRequestLine, rawHttpResponse } from './early-answer.js';
import { sendError } from './error-response.js';
import { StalledClients } from './stalled-clients.js';
import {
  createRequestContext,
  type RequestContext,
  type RequestContextOptions,
} from './request-context.js';
import type { RequestStats } from './request-stats.js';

/** A request's handling: a promise, or undefined when it answered at once (a native content hit). */
export type RequestHandler = (context: RequestContext) => Promise<void> | undefined;

export interface HttpServerOptions extends RequestContextOptions {
  host: string;
  port: number;
  handle: RequestHandler;
  /** Counts every request once it ends (the node's `what=node_stats`). */
  stats?: RequestStats;
  /** HTTPS with the node's certificates (reloaded in place); absent: plain HTTP. */
  tls?: ServerTls | undefined;
  /**
   * An upload whose client sends nothing, or an answer it stops reading, for this long is dropped
   * (RequestTimeout); 0 or absent: never. Public ports only: peers are trusted and their streams
   * may wait on each other.
   */
  clientIdleTimeoutMs?: number;
  /** Takes `Upgrade` requests (intra-cluster piece streams); absent: Node closes them. */
  upgrade?: UpgradeHandler;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

export interface ServerTls {
  readonly certificates: NodeCertificates;
  /** Require a client certificate signed by the CA bundle (mutual TLS between nodes). */
  readonly verifyClients: boolean;
}

export interface RunningServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const idleMs = options.clientIdleTimeoutMs ?? 0;
  const stalledClients = idleMs > 0 ? new StalledClients(idleMs) : undefined;
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    let context: RequestContext;
    try {
      context = createRequestContext(req, res, options);
    } catch (error) {
      // A request line Node accepted but Cairn cannot read (malformed percent-encoding).
      const target = req.url ?? '/';
      const answer = earlyAnswer(
        'BadRequest',
        error instanceof Error ? error.message : 'bad request',
        { method: req.method ?? 'GET', path: target.split('?')[0] ?? '/' },
        { nodeId: options.nodeId, remoteAddress: req.socket.remoteAddress ?? '' },
      );
      res.writeHead(answer.status, answer.headers).end(answer.body);
      return;
    }
    // One `close` listener for the stalled-client watch and the stats (each had its own, a
    // `once` wrapper apiece): per-request work a 4 KiB GET pays for (docs/profiling.md).
    const watched = stalledClients?.track(req, res);
    const { stats } = options;
    if (stats !== undefined || watched !== undefined) {
      const startedMs = stats === undefined ? 0 : performance.now();
      res.on('close', () => {
        if (watched !== undefined) stalledClients?.release(watched);
        if (stats === undefined) return;
        // A throw here would escape from an event listener and end the process.
        try {
          stats.record(context, startedMs);
        } catch (error) {
          context.log.warn('request not counted', { error: String(error) });
        }
      });
    }
    options.handle(context)?.catch((error: unknown) => {
      try {
        sendError(context, error);
      } catch (failure) {
        // Answering failed too: log it and cut this one connection, never the process.
        options.log.error('error answer failed', { requestId: context.requestId, error: failure });
        res.destroy();
      }
    });
  };
  const httpOptions = { keepAliveTimeout: 65_000, headersTimeout: 60_000, requestTimeout: 0 };
  const { tls } = options;
  let server: Server;
  if (tls === undefined) {
    server = createServer(httpOptions, serve);
  } else {
    const secure = (material: CertificateMaterial): SecureContextOptions => ({
      cert: material.cert,
      key: material.key,
      ...(material.ca === undefined ? {} : { ca: material.ca }),
    });
    const httpsServer = createHttpsServer(
      {
        ...httpOptions,
        ...secure(tls.certificates.current),
        requestCert: tls.verifyClients,
        rejectUnauthorized: tls.verifyClients,
      },
      serve,
    );
    // New handshakes use the reloaded certificate; open connections keep theirs.
    tls.certificates.onChange((material) => httpsServer.setSecureContext(secure(material)));
    // A failed handshake (plain HTTP to this port, an untrusted client certificate) ends that
    // one connection; Node destroys the socket itself.
    httpsServer.on('tlsClientError', () => undefined);
    server = httpsServer;
  }
  server.on('checkContinue', serve);
  // An upgraded connection (a peer's piece stream) is no longer Node's HTTP connection: neither
  // closeIdleConnections nor closeAllConnections ends it, and server.close waits for it, so a
  // node stopping while a peer keeps its stream open would never finish closing.
  const upgraded = new Set<Duplex>();
  const upgrade = options.upgrade;
  if (upgrade !== undefined)
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      upgraded.add(socket);
      socket.once('close', () => upgraded.delete(socket));
      upgrade(req, socket, head);
    });
  server.on('clientError', (error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket) => {
    if (!socket.writable) return;
    socket.end(refusedRequestAnswer(error, socket as Socket, options.nodeId));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        stalledClients?.close();
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => {
          server.closeAllConnections();
          for (const socket of upgraded) socket.destroy();
        }, 2000).unref();
      }),
  };
}

/**
 * The answer to a request Node's parser refused, in the form of the API its request line names
 * (when the packet in hand starts with one): 431 for a header section over the limit, 408 for
 * headers that did not arrive in time, 400 for anything else malformed.
 */
function refusedRequestAnswer(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer },
  socket: Socket,
  nodeId: string,
): string {
  const [code, message]: [ErrorCode, string] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? ['RequestHeaderTooLarge', `request header fields too large (over ${maxHeaderSize} bytes)`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['RequestTimeout', 'request headers not received in time']
        : ['BadRequest', `malformed HTTP request (${error.code ?? 'parse error'})`];
  const request = parseRequestLine(error.rawPacket);
  const origin = { nodeId, remoteAddress: socket.remoteAddress ?? '' };
  return rawHttpResponse(earlyAnswer(code, message, request, origin));
}

/** Sends `100 Continue` if the client waits for it; call before reading a request body. */
export function acceptBody(context: RequestContext): void {
  const expect = context.req.headers.expect;
  if (
    typeof expect === 'string' &&
    expect.toLowerCase() === '100-continue' &&
    !context.res.headersSent
  ) {
    context.res.writeContinue();
  }
}
