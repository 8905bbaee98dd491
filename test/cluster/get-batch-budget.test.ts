// GetBatch's budget of bytes in flight per target (`get_batch.max_inflight_bytes`), on a real
// cluster (1 gateway, 2 targets) with the limit at 1 MiB: a batch held open by a client that does
// not read keeps its items charged and a new batch is refused with 429; batches that pass far more
// than the limit through, or whose one item is above it, are served; and whatever way a batch ends
// (its client gone, a miss without `coer` mid-stream, a multipart answer) every target's count
// returns to zero.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Client, MossReqJson } from '../../src/sdk/index.js';
import { Scrape } from '../harness/prometheus-text.js';
import { rawRequest } from '../harness/raw-http.js';
import { untar } from '../harness/shard-files.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'budget', provider: 'ais' };
const limit = 1024 * 1024;
const bigBytes = 4 * 1024 * 1024;
const smallBytes = 64 * 1024;
const bigs = 8;
const smalls = 48;

/** A GetBatch sent straight to a target (its designated target), the body not read. */
function openBatch(targetUrl: string, request: MossReqJson): Promise<IncomingMessage> {
  const url = new URL(targetUrl);
  const body = JSON.stringify(request);
  return new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: 'GET',
        path: `/v1/ml/moss/${bucket.name}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      resolve,
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('GetBatch: bytes in flight per target', () => {
  let cluster: TestCluster;
  let client: Client;

  const inFlight = async (): Promise<number[]> =>
    Promise.all(
      cluster.targets.map(async (target) =>
        (await Scrape.of(target.publicUrl)).value('cairn_getbatch_inflight_bytes'),
      ),
    );
  const settled = (what: string): Promise<void> =>
    waitFor(`${what}: no bytes in flight on any target`, 30_000, async () =>
      (await inFlight()).every((bytes) => bytes === 0),
    );
  const bigRequest: MossReqJson = {
    in: Array.from({ length: bigs }, (_, index) => ({ objname: `big-${index}` })),
    strm: true,
  };

  before(async () => {
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      config: { 'get_batch.max_inflight_bytes': limit },
    });
    client = cluster.client(0);
    await client.createBucket(bucket);
    for (let index = 0; index < bigs; index += 1)
      await client.putObject(bucket, `big-${index}`, Buffer.alloc(bigBytes, index + 1));
    for (let index = 0; index < smalls; index += 1)
      await client.putObject(bucket, `small-${index}`, Buffer.alloc(smallBytes, index + 7));
  });
  after(async () => {
    await cluster?.destroy();
  });

  test('batches passing many times the limit through, or one item above it, are served', async () => {
    const request: MossReqJson = {
      in: Array.from({ length: smalls }, (_, index) => ({ objname: `small-${index}` })),
      strm: true,
    };
    const files = await untar((await client.getBatch(request, bucket)).body);
    assert.equal(files.length, smalls);
    files.forEach((file, index) =>
      assert.ok(file.data.equals(Buffer.alloc(smallBytes, index + 7)), file.name),
    );
    const one = await untar(
      (await client.getBatch({ in: [{ objname: 'big-0' }], strm: true }, bucket)).body,
    );
    assert.ok(one[0]?.data.equals(Buffer.alloc(bigBytes, 1)));
    await settled('after two batches');
  });

  test('a target at its limit refuses a new batch with 429 until the held one is gone', async () => {
    const designated = cluster.targets[0];
    assert.ok(designated !== undefined);
    const held = await openBatch(designated.publicUrl, bigRequest);
    try {
      assert.equal(held.statusCode, 200);
      await waitFor('the held batch charged', 30_000, async () => {
        const [bytes = 0] = await inFlight();
        return bytes >= limit;
      });
      const refused = await rawRequest(designated.publicUrl, 'GET', `/v1/ml/moss/${bucket.name}`, {
        body: JSON.stringify({ in: [{ objname: 'small-0' }], strm: true }),
      });
      assert.equal(refused.status, 429, refused.body);
      assert.match(refused.body, /get_batch\.max_inflight_bytes \(1048576\): try again later/);
    } finally {
      held.destroy();
    }
    await settled('the held batch dropped by its client');
    const again = await rawRequest(designated.publicUrl, 'GET', `/v1/ml/moss/${bucket.name}`, {
      body: JSON.stringify({ in: [{ objname: 'small-0' }], strm: true }),
    });
    assert.equal(again.status, 200, again.body);
  });

  test('nothing stays charged after a failure mid-stream or a multipart answer', async () => {
    const failing: MossReqJson = {
      in: [{ objname: 'big-0' }, { objname: 'big-1' }, { objname: 'missing' }, ...bigRequest.in],
      strm: true,
    };
    const answer = await client.getBatch(failing, bucket);
    await assert.rejects(untar(answer.body));
    await settled('a batch cut by a miss');
    const multipart = await client.getBatch({ in: bigRequest.in }, bucket);
    assert.equal(multipart.metadata?.out.length, bigs);
    const files = await untar(multipart.body);
    assert.equal(files.length, bigs);
    await settled('a multipart answer');
  });
});
