// Test helper: a tiny node:http server standing in for a gateway or target, recording requests.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NodeJson } from '../wire/index.js';

/** A request as the stub saw it, with its body read in full. */
export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type StubHandler = (request: RecordedRequest, response: ServerResponse) => unknown;

export interface StubNode {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Replaces the handler (tests change behaviour mid-way). */
  handle(handler: StubHandler): void;
  close(): Promise<void>;
}

/** Starts a stub on an ephemeral loopback port. */
export async function startStubNode(handler: StubHandler): Promise<StubNode> {
  let current = handler;
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const request: RecordedRequest = {
        method: incoming.method ?? '',
        url: new URL(incoming.url ?? '/', 'http://stub'),
        headers: incoming.headers,
        body: Buffer.concat(chunks),
      };
      requests.push(request);
      Promise.resolve(current(request, response)).catch((error: unknown) => {
        response.statusCode = 500;
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    handle: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A cluster-map node entry for a stub. */
export function stubNodeJson(
  id: string,
  role: 'proxy' | 'target',
  url: string,
  flags = 0,
): NodeJson {
  const { hostname, port } = new URL(url);
  const net = { node_ip_addr: hostname, daemon_port: port, direct_url: url };
  return {
    daemon_id: id,
    daemon_type: role,
    public_net: net,
    intra_control_net: net,
    intra_data_net: net,
    flags,
    id_digest: 0n,
  };
}

/** Serialises a value as JSON and ends the response. */
export function sendJson(response: ServerResponse, value: unknown, status = 200): void {
  const text = JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? Number(item) : item,
  );
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(text);
}
