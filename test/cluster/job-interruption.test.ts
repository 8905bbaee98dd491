// A target that crashes (SIGKILL) or shuts down while it runs its share of a job reports that
// share as failed when it starts again: the job ends with an error naming the interruption,
// never as a success made of the other targets' shares alone; while it is down, the job's status
// is answered (not ended) rather than failing. The job here is a prefetch from a
// local HTTP origin that holds every request until the test lets it go, so the shares are
// certainly still running when the target stops.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '../../src/sdk/index.js';
import type { BucketJson } from '../../src/wire/index.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

/** Each test's objects (a second prefetch of cached objects would ask the origin nothing). */
const namesOf = (prefix: string): string[] =>
  Array.from({ length: 12 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}.bin`);
const data = new Map(
  [...namesOf('SIGKILL'), ...namesOf('SIGTERM')].map((name) => [name, randomBytes(4096)]),
);

/** Serves `/data/<name>`; between `hold()` and `release()` every request waits. */
class GatedOrigin {
  readonly #held: Array<() => void> = [];
  #open = true;
  requests = 0;
  #server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    const server = createServer((request, response) => {
      response.on('error', () => undefined);
      this.requests += 1;
      const answer = (): void =>
        this.#answer(request.method ?? 'GET', request.url ?? '/', response);
      if (this.#open) answer();
      else this.#held.push(answer);
    });
    this.#server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  release(): void {
    this.#open = true;
    for (const answer of this.#held.splice(0)) answer();
  }

  hold(): void {
    this.#open = false;
  }

  stop(): void {
    this.#server?.closeAllConnections();
    this.#server?.close();
  }

  #answer(method: string, url: string, response: ServerResponse): void {
    if (response.destroyed) return;
    const body = data.get(url.replace(/^\/data\//, ''));
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-length': body.length });
    response.end(method === 'HEAD' ? undefined : body);
  }
}

/**
 * A 2-target cluster (with `config`) and an `ht://` bucket over a gated origin, started before the
 * suite's tests and torn down after them.
 */
function gatedCluster(
  bucketName: string,
  config?: Record<string, string | number | boolean>,
): { cluster: () => TestCluster; client: () => Client; origin: GatedOrigin; bucket: BucketJson } {
  let cluster: TestCluster | undefined;
  let client: Client | undefined;
  const origin = new GatedOrigin();
  const bucket: BucketJson = { name: bucketName, provider: 'ht' };
  before(async () => {
    await origin.start();
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      ...(config === undefined ? {} : { config }),
    });
    client = cluster.client();
    await client.createBucket(bucket, {
      extra: { http: { original_url: `http://127.0.0.1:${origin.port}/data/` } },
    });
  });
  after(async () => {
    origin.release();
    await cluster?.destroy();
    origin.stop();
  });
  const ready = <T>(value: T | undefined): T => {
    assert.ok(value !== undefined, 'the cluster has not started');
    return value;
  };
  return { cluster: () => ready(cluster), client: () => ready(client), origin, bucket };
}

/** Holds the origin and starts a prefetch of `names`; resolves once both shares wait on it. */
async function startHeldPrefetch(
  setup: ReturnType<typeof gatedCluster>,
  names: string[],
): Promise<string> {
  const { origin } = setup;
  origin.hold();
  const before = origin.requests;
  const id = await setup.client().jobs.prefetchObjects(setup.bucket, { objnames: names });
  // Both targets own some of the names: each has asked the origin and waits for it.
  await waitFor('both shares waiting on the origin', 20_000, () =>
    Promise.resolve(origin.requests - before >= 2),
  );
  return id;
}

describe('job shares cut short by a target restart', () => {
  const setup = gatedCluster('gated');

  for (const signal of ['SIGKILL', 'SIGTERM'] as const) {
    test(`a target stopped by ${signal} mid-job: the job fails naming the interruption`, async () => {
      const { origin, bucket } = setup;
      const client = setup.client();
      const names = namesOf(signal);
      const id = await startHeldPrefetch(setup, names);
      const victim = setup.cluster().targets[0];
      assert.ok(victim !== undefined);
      await victim.stop(signal);
      // While the target is down its share is unknown: the job is not reported ended (nor does
      // the query fail, as it did when one target did not answer).
      assert.equal((await client.jobs.status(id)).end_time, 0);
      await victim.start();
      origin.release();
      const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
      assert.match(
        status.err,
        /interrupted: target \S+ stopped while running its share of prefetch-listrange/,
      );
      assert.notEqual(status.end_time, 0);
      // The restarted target's own snapshot says so too; the other target's share completed.
      const byNode = await client.jobs.snapshots({ id });
      const errors = Object.values(byNode)
        .flat()
        .map((snapshot) => snapshot.err);
      assert.equal(errors.length, 2, JSON.stringify(byNode));
      assert.equal(errors.filter((err) => /interrupted/.test(err)).length, 1);
      // A later job with no interruption succeeds (the record was reported once, not again).
      const again = await client.jobs.prefetchObjects(bucket, { objnames: names });
      assert.equal((await client.jobs.wait(again, { timeoutMs: 60_000 })).err, '');
    });
  }
});

describe('a target that leaves the cluster map mid-job', () => {
  // Fast keepalives: a silent target is dropped from the map after 3 s.
  const setup = gatedCluster('gated-left', {
    'keepalive.interval_ms': 500,
    'keepalive.timeout_ms': 3000,
  });

  test('its unfinished share fails the job on the others; a job it had finished stays a success', async () => {
    const { origin, bucket } = setup;
    const client = setup.client();
    const done = await client.jobs.prefetchObjects(bucket, { objnames: namesOf('SIGKILL') });
    assert.equal((await client.jobs.wait(done, { timeoutMs: 60_000 })).err, '');
    const id = await startHeldPrefetch(setup, namesOf('SIGTERM'));
    const victim = setup.cluster().targets[0];
    assert.ok(victim !== undefined);
    const victimId = victim.id;
    await victim.stop('SIGKILL');
    await waitFor('the silent target dropped from the map', 30_000, async () => {
      const map = await client.clusterMap({ refresh: true });
      return map.tmap[victimId] === undefined;
    });
    origin.release();
    const status = await client.jobs.wait(id, { timeoutMs: 60_000 });
    assert.match(
      status.err,
      new RegExp(`target ${victimId} left the cluster before its share of prefetch-listrange`),
    );
    // The job that ended before the target left: its end was told to the other target.
    assert.equal((await client.jobs.status(done)).err, '');
  });
});
