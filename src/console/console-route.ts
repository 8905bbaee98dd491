// The web console a gateway serves at `/console` (issue 21): the page, its script modules (built by
// `npm run build` from src/console/web), its style, the chart library (uPlot), and the JSON the page
// reads (`/console/api/...`). The JSON comes from the gateway's own native API through the SDK with
// the caller's `Authorization`, so a cluster with auth on shows nothing to a caller without a token.
// Read-only: every other method is refused.
import { open } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { sendJsonAnswer, type RequestContext, type RequestHandler } from '../api/common/index.js';
import { StoreError } from '../errors/index.js';
import { ApiError, Client, TransportError } from '../sdk/index.js';
import {
  actionAnswer,
  bucketsAnswer,
  isAction,
  clusterAnswer,
  jobsAnswer,
  logAnswer,
  objectsAnswer,
  performanceAnswer,
} from './console-api.js';
import { consoleCss, consolePage } from './console-page.js';
import { PerformanceHistory } from './performance-history.js';

/** The root path of the console on a gateway's public port (a bucket of that name is not reachable
 *  there by S3 path-style requests). */
export const consolePath = '/console';

export function isConsolePath(path: string): boolean {
  return path === consolePath || path.startsWith(`${consolePath}/`);
}

/** The gateway serving the console: its own URL, and whether the cluster checks tokens now. */
export interface ConsoleGateway {
  readonly publicUrl: string;
  authEnabled(): boolean;
}

/** How the console reaches its own gateway: the TLS trust of an HTTPS cluster. */
export interface ConsoleOptions {
  caCert?: string | Buffer | undefined;
  insecure?: boolean | undefined;
}

const contentTypes = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  json: 'application/json; charset=utf-8',
} as const;

/** The compiled page modules (dist/src/console/web/*.js) and their source maps. */
const webDir = new URL('./web/', import.meta.url);
const moduleName = /^\/([a-z][a-z0-9-]*\.js(?:\.map)?)$/;

const requireFromHere = createRequire(import.meta.url);
/** uPlot's ES module and style, served as the page's `uplot.js` and `uplot.css`. */
const vendorFiles = new Map([
  [
    '/uplot.js',
    { file: requireFromHere.resolve('uplot/dist/uPlot.esm.js'), type: contentTypes.js },
  ],
  [
    '/uplot.css',
    { file: requireFromHere.resolve('uplot/dist/uPlot.min.css'), type: contentTypes.css },
  ],
]);

/** The console's handler on `gateway`. */
export function consoleHandler(
  gateway: ConsoleGateway,
  options: ConsoleOptions = {},
): RequestHandler {
  const history = new PerformanceHistory();
  const api = async (context: RequestContext, name: string): Promise<unknown> => {
    const token = bearerToken(context);
    const client = new Client(gateway.publicUrl, {
      direct: false,
      ...(token === undefined ? {} : { token }),
      ...(options.caCert === undefined ? {} : { caCert: options.caCert }),
      ...(options.insecure === true ? { insecure: true } : {}),
    });
    const adminActions = gateway.authEnabled();
    try {
      if (context.method === 'POST') return await actionAnswer(client, name, context.query);
      switch (name) {
        case 'cluster':
          return await clusterAnswer(client, adminActions);
        case 'buckets':
          return await bucketsAnswer(client);
        case 'objects':
          return await objectsAnswer(client, context.query);
        case 'jobs':
          return await jobsAnswer(client, adminActions);
        case 'performance':
          return await performanceAnswer(client, history);
        case 'log':
          return await logAnswer(client, context.query);
        default:
          throw new StoreError('ObjectNotFound', `no console route "api/${name}"`);
      }
    } finally {
      await client.close();
    }
  };

  return async (context) => {
    const { method, res } = context;
    const rest = context.path.slice(consolePath.length);
    const apiName = rest.startsWith('/api/') ? rest.slice('/api/'.length) : undefined;
    if (method === 'POST' && apiName !== undefined && isAction(apiName))
      checkAdmin(context, gateway);
    else if (method !== 'GET' && method !== 'HEAD')
      throw new StoreError(
        'MethodNotAllowed',
        `${method} ${context.path}: the console answers GET (and POST for its admin actions)`,
      );
    context.operation = 'none';
    res.setHeader('x-content-type-options', 'nosniff');
    if (rest === '') {
      // The page's relative URLs (its modules, `api/...`) resolve against `/console/`.
      res.writeHead(308, { location: `${consolePath}/${context.search}` }).end();
      return;
    }
    if (apiName !== undefined) {
      let answer: unknown;
      try {
        answer = await api(context, apiName);
      } catch (error) {
        return sendUpstreamError(context, error);
      }
      return sendText(context, contentTypes.json, JSON.stringify(answer));
    }
    if (rest === '/' || rest === '/index.html')
      return sendText(context, contentTypes.html, consolePage);
    if (rest === '/console.css') return sendText(context, contentTypes.css, consoleCss);
    const vendor = vendorFiles.get(rest);
    if (vendor !== undefined) return sendFile(context, vendor.file, vendor.type);
    const name = moduleName.exec(rest)?.[1];
    if (name === undefined)
      throw new StoreError('ObjectNotFound', `no console page "${context.path}"`);
    const type = name.endsWith('.map') ? contentTypes.json : contentTypes.js;
    return sendFile(context, fileURLToPath(new URL(name, webDir)), type);
  };
}

/**
 * The CLI's admin actions are offered only where the cluster checks tokens: then the gateway
 * decides whether the caller's token may take them. Without auth the console stays read-only, as
 * anyone reaching the gateway can read it.
 */
function checkAdmin(context: RequestContext, gateway: ConsoleGateway): void {
  if (!gateway.authEnabled())
    throw new StoreError(
      'AccessDenied',
      'console admin actions need auth on the cluster (auth.enabled): without it the console is read-only',
    );
  if (bearerToken(context) === undefined)
    throw new StoreError('Unauthorized', 'console admin actions need a token (cairn auth login)');
}

function bearerToken(context: RequestContext): string | undefined {
  const authorization = context.req.headers.authorization;
  return authorization?.startsWith('Bearer ') === true ? authorization.slice(7) : undefined;
}

function sendText(context: RequestContext, type: string, text: string): void {
  const { res } = context;
  res.writeHead(200, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-cache',
    // The page loads only its own modules and style, and talks only to its own gateway.
    'content-security-policy': "default-src 'self'; img-src 'self' data:; object-src 'none'",
  });
  res.end(context.method === 'HEAD' ? undefined : text);
}

async function sendFile(context: RequestContext, file: string, type: string): Promise<void> {
  const handle = await open(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT')
      throw new StoreError('ObjectNotFound', `no console page "${context.path}"`);
    throw error;
  });
  const { res } = context;
  try {
    const { size } = await handle.stat();
    res.writeHead(200, {
      'content-type': type,
      'content-length': size,
      'cache-control': 'no-cache',
    });
  } catch (error) {
    await handle.close();
    throw error;
  }
  if (context.method === 'HEAD') {
    await handle.close();
    res.end();
    return;
  }
  // The stream closes the handle when it ends or fails.
  await pipeline(handle.createReadStream(), res);
}

/**
 * The native API's error answers pass through as they came (401 without a token, 404 for an
 * unknown bucket or node); a gateway that did not answer at all is a 502.
 */
function sendUpstreamError(context: RequestContext, error: unknown): void {
  if (error instanceof ApiError) {
    const body = error.body ?? { message: error.detail, status: error.status };
    sendJsonAnswer(context, error.status, JSON.stringify(body));
    return;
  }
  if (error instanceof TransportError)
    throw new StoreError(
      'PeerUnreachable',
      `console: the gateway did not answer: ${error.message}`,
    );
  throw error;
}
