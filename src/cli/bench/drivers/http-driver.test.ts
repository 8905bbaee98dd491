// The plain-HTTP bench driver against a server that answers PUT and DELETE with a body: the run
// goes on (the body is discarded), rather than the pool's one connection waiting paused forever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseBenchOptions } from '../bench-options.js';
import { rawBenchOptions, testGlobals } from '../bench-options.test-helper.js';
import { HttpDriver } from './http-driver.js';

test(
  'PUT and DELETE answers with bodies do not hold the connection',
  { timeout: 20_000 },
  async () => {
    let requests = 0;
    const server = createServer((request, response) => {
      requests += 1;
      request.resume();
      request.on('end', () => response.end(Buffer.alloc(1024 * 1024, 0x61)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const plan = parseBenchOptions(
      rawBenchOptions({ workload: 'put', size: '4KiB', concurrency: '1', api: 'http' }),
      { ...testGlobals, endpoint: `http://127.0.0.1:${port}`, timeout: 10 },
    );
    const driver = new HttpDriver(plan);
    try {
      for (let index = 0; index < 3; index += 1) await driver.put(`object-${index}`, 4096);
      for (let index = 0; index < 3; index += 1) await driver.delete(`object-${index}`);
      assert.equal(requests, 6);
    } finally {
      await driver.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  },
);
