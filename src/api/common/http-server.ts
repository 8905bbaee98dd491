// HTTP server bootstrap: one handler per port, request contexts, errors turned into responses,
// and `Expect: 100-continue` left to the handler (a gateway redirects before the body is sent).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../../util/log.js';
import { sendError } from './error-response.js';
import { createRequestContext, type RequestContext } from './request-context.js';
import type { RequestStats } from './request-stats.js';

export type RequestHandler = (context: RequestContext) => Promise<void>;

export interface HttpServerOptions {
  host: string;
  port: number;
  intra: boolean;
  nodeId: string;
  log: Logger;
  handle: RequestHandler;
  /** Counts every request once it ends (the node's `what=node_stats`). */
  stats?: RequestStats;
}

export interface RunningServer {
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startHttpServer(options: HttpServerOptions): Promise<RunningServer> {
  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    let context: RequestContext;
    try {
      context = createRequestContext(req, res, options);
    } catch (error) {
      res.statusCode = 400;
      res.end(error instanceof Error ? error.message : 'bad request');
      return;
    }
    const { stats } = options;
    if (stats !== undefined) {
      const startedNs = process.hrtime.bigint();
      res.once('close', () => stats.record(context, startedNs));
    }
    options.handle(context).catch((error: unknown) => {
      try {
        sendError(context, error);
      } catch (failure) {
        // Answering failed too: log it and cut this one connection, never the process.
        options.log.error('error answer failed', { requestId: context.requestId, error: failure });
        res.destroy();
      }
    });
  };
  const server = createServer(
    { keepAliveTimeout: 65_000, headersTimeout: 60_000, requestTimeout: 0 },
    serve,
  );
  server.on('checkContinue', serve);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    if (error.code === 'HPE_HEADER_OVERFLOW') {
      // Before any routing: answered in S3's form, which native clients read as a plain 431.
      const body =
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>RequestHeaderSectionTooLarge</Code>' +
        '<Message>Your request header section exceeds the maximum allowed size.</Message></Error>';
      socket.end(
        `HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/xml\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
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
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  };
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
