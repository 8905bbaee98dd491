// A download job survives a target's crash: SIGKILL one target while its share is still
// downloading (a slow local origin), start it again, and the job ends with every object stored
// whole (byte for byte), none failed, and the restarted target's finished objects skipped.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const fileCount = 30;
const files = new Map<string, Buffer>();
for (let i = 1; i <= fileCount; i += 1)
  files.set(`r-${String(i).padStart(3, '0')}.bin`, randomBytes(20_000 + i * 97));

/** Serves `/<file>` in 4 KiB pieces every 50 ms (about half a second a file); else 404. */
function startOrigin(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const data = files.get((req.url ?? '').slice(1));
    if (data === undefined) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': data.length });
    let offset = 0;
    const timer = setInterval(() => {
      if (res.destroyed || offset >= data.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(data.subarray(offset, offset + 4096));
      offset += 4096;
    }, 50);
    res.on('close', () => clearInterval(timer));
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

describe('download resume', () => {
  let cluster: TestCluster;
  let client: Client;
  let origin: Awaited<ReturnType<typeof startOrigin>>;
  const bucket = { name: 'dl-resume', provider: 'ais' };

  before(async () => {
    origin = await startOrigin();
    cluster = await TestCluster.start({ proxies: 1, targets: 3, mountpaths: 1 });
    client = cluster.client();
  });
  after(async () => {
    await cluster?.destroy();
    origin?.server.closeAllConnections();
    origin?.server.close();
  });

  test('a target killed mid-download resumes its share when it starts again', async () => {
    const template = `${origin.url}/r-{001..${String(fileCount).padStart(3, '0')}}.bin`;
    const id = await client.download.range(bucket, template, { limits: { connections: 1 } });
    await waitFor('a few objects downloaded', 30_000, async () => {
      const status = await client.download.status(id);
      return status.finished_cnt >= 3;
    });
    const victim = cluster.targets[0];
    assert.ok(victim !== undefined);
    await victim.stop('SIGKILL');
    const during = await client.download.status(id);
    assert.ok(during.finished_cnt < fileCount, 'the job was still running at the kill');
    await victim.start();
    const status = await client.download.wait(id, { timeoutMs: 120_000 });
    assert.equal(status.error_cnt, 0, JSON.stringify(status.download_errors));
    assert.equal(status.aborted, false);
    assert.equal(status.total, fileCount);
    // Every object once: downloaded, or (by the restarted target) found already downloaded.
    assert.equal(status.finished_cnt + status.skipped_cnt, fileCount);
    const stored: string[] = [];
    for await (const entry of client.listObjects(bucket)) stored.push(entry.name);
    assert.deepEqual(stored.sort(), [...files.keys()].sort());
    for (const [name, data] of files)
      assert.deepEqual(await client.getObjectBytes(bucket, name), data, name);
  });
});
