// The cheapest HTTP hop Node can make: every request forwarded as it is to one origin, bodies piped
// both ways, no parsing, no checks. Placed in front of nginx it shows what one Node proxy hop costs
// on this machine, the floor under any gateway that proxies (as Cairn's S3 API does).
import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scratch } from './scratch.js';

export async function startPassThroughProxy(scratch: Scratch, origin: string): Promise<string> {
  const target = new URL(origin);
  const agent = new Agent({ keepAlive: true, maxSockets: 1024 });
  const server: Server = createServer((incoming, outgoing) => {
    const upstream = request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scratch.defer(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    agent.destroy();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
