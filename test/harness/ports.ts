// Free loopback ports for tests that start playgrounds on fixed port ranges.
import { createServer } from 'node:net';

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A base port whose next `count` ports and their intra ports (+100) are free, and `base + extra`
 * for each of `extraOffsets` (the playground's AuthN service: 200).
 */
export async function freeBasePort(
  count = 10,
  extraOffsets: readonly number[] = [],
): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    let free = true;
    for (let offset = 0; offset < count && free; offset += 1)
      free = (await portFree(base + offset)) && (await portFree(base + 100 + offset));
    for (const offset of extraOffsets) free = free && (await portFree(base + offset));
    if (free) return base;
  }
  throw new Error('no free port range');
}
