// Free loopback ports for yardstick servers, away from the ports people use (8080, 9080).
import { createServer } from 'node:net';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first free port at or after a random point in [base, base + 1000). */
export async function freePortNear(base: number): Promise<number> {
  const start = base + Math.floor(Math.random() * 900);
  for (let port = start; port < start + 100; port += 1) {
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port near ${start}`);
}
