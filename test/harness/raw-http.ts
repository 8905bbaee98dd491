// Raw HTTP requests for hostile-input and wire-format tests: the path goes on the wire exactly as given
// (fetch and undici would normalise `..` segments away).
import { request } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: Buffer;
}

export function rawRequest(
  baseUrl: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  // GET bodies are not chunked by node:http, so always frame a body with Content-Length.
  const headers = { ...options.headers };
  if (options.body !== undefined)
    headers['content-length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers,
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: bytes.toString(),
            bytes,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

/** `rawRequest` following 307s (and 301s) with the same method and body, as AIStore's clients do. */
export async function sendFollowing(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  let url = new URL(path, base);
  for (let hop = 0; hop < 4; hop += 1) {
    const response = await rawRequest(url.origin, method, `${url.pathname}${url.search}`, options);
    if (response.status !== 307 && response.status !== 301) return response;
    url = new URL(String(response.headers.location));
  }
  throw new Error(`${method} ${path}: too many redirects`);
}

/** A response body (or any stream of buffers) read whole. */
export async function bytesOf(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
