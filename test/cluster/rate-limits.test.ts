// Frontend rate limits (bucket prop `rate_limit.frontend`) on 2 gateways: each gateway admits its
// burst and then its share of the bucket's rate, per verb; the rest gets 429 with Retry-After on
// the native API and SlowDown (503) on S3. Props and cluster defaults are validated. Expected
// waits are computed from the time the requests actually took, so a slow machine cannot fail them.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '../../src/sdk/index.js';
import { rawRequest } from '../harness/raw-http.js';
import { signedHeaders } from '../harness/s3-signer.js';
import { TestCluster } from '../harness/test-cluster.js';

interface Answer {
  status: number;
  retryAfter: number | undefined;
  body: string;
}

async function request(baseUrl: string, method: string, path: string): Promise<Answer> {
  const body = method === 'PUT' ? 'x' : undefined;
  const answer = await rawRequest(baseUrl, method, path, body === undefined ? {} : { body });
  const retryAfter = answer.headers['retry-after'];
  return {
    status: answer.status,
    retryAfter: typeof retryAfter === 'string' ? Number(retryAfter) : undefined,
    body: answer.body,
  };
}

/** Sends `method` until the first 429 (at most `max`): how many were admitted, and that answer. */
async function exhaust(
  baseUrl: string,
  method: string,
  path: string,
  max: number,
): Promise<{ admitted: number; refusal: Answer | undefined; elapsedMs: number }> {
  const started = Date.now();
  for (let admitted = 0; admitted < max; admitted += 1) {
    const answer = await request(baseUrl, method, path);
    if (answer.status === 429)
      return { admitted, refusal: answer, elapsedMs: Date.now() - started };
    assert.ok(answer.status < 400, `${method} ${path}: ${answer.status} ${answer.body}`);
  }
  return { admitted: max, refusal: undefined, elapsedMs: Date.now() - started };
}

describe('frontend rate limits', () => {
  let cluster: TestCluster;
  let client: Client;
  const bucket = { name: 'limited', provider: 'ais' };

  before(async () => {
    cluster = await TestCluster.start({ proxies: 2, targets: 1, mountpaths: 1 });
    client = new Client(cluster.primary.publicUrl);
    await client.createBucket(bucket);
    await client.putObject(bucket, 'obj', Buffer.from('data'));
    // 20 per minute across 2 gateways: each gateway one token per 6 s after a burst of 2; DELETE
    // 2 per minute: one per minute per gateway.
    await client.setBucketProps(bucket, {
      rate_limit: {
        frontend: {
          enabled: true,
          interval: '1m',
          max_tokens: 20,
          burst_size: 2,
          per_op_max_tokens: 'delete:2',
        },
      },
    });
  });

  after(async () => {
    await client?.close();
    await cluster?.destroy();
  });

  test('a gateway admits its burst, then answers 429 with when its share allows the next', async () => {
    const gateway = cluster.proxies[0]?.publicUrl ?? '';
    const { admitted, refusal, elapsedMs } = await exhaust(
      gateway,
      'GET',
      '/v1/objects/limited/obj',
      20,
    );
    // Tokens come back at one per 6 s (20 per minute shared by 2 gateways) while we send.
    assert.ok(admitted >= 2 && admitted <= 2 + Math.ceil(elapsedMs / 6000), `admitted ${admitted}`);
    assert.ok(refusal !== undefined, 'no request was refused');
    assert.match(refusal.body, /Too Many Requests/);
    const retryAfter = refusal.retryAfter ?? 0;
    assert.ok(
      retryAfter <= 6 && retryAfter >= Math.floor(6 - elapsedMs / 1000) - 1,
      `Retry-After ${retryAfter}`,
    );
  });

  test('each gateway has its own share, and each verb its own budget', async () => {
    const other = cluster.proxies[1]?.publicUrl ?? '';
    const gets = await exhaust(other, 'GET', '/v1/objects/limited/obj', 20);
    assert.ok(gets.admitted >= 2, `the second gateway admitted ${gets.admitted}`);
    const put = await request(other, 'PUT', '/v1/objects/limited/new');
    assert.ok(put.status === 307 || put.status === 200, `PUT after GETs ran out: ${put.status}`);
    // DELETE's own budget of 2 per minute: after its burst, the next token is about a minute away.
    const deletes = await exhaust(other, 'DELETE', '/v1/objects/limited/nothing', 10);
    assert.equal(deletes.admitted, 2);
    assert.ok(
      (deletes.refusal?.retryAfter ?? 0) >= 50,
      `Retry-After ${deletes.refusal?.retryAfter}`,
    );
  });

  test('S3 requests over the limit get SlowDown (503) with Retry-After', async () => {
    const gateway = cluster.proxies[0]?.publicUrl ?? '';
    let answer: Awaited<ReturnType<typeof rawRequest>> | undefined;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const headers = await signedHeaders(gateway, 'GET', '/limited/obj', {});
      answer = await rawRequest(gateway, 'GET', '/limited/obj', { headers });
      if (answer.status !== 200) break;
    }
    assert.equal(answer?.status, 503);
    assert.match(answer?.body ?? '', /<Code>SlowDown<\/Code>/);
    assert.ok(Number(answer?.headers['retry-after']) >= 1);
  });

  test('limits are validated like AIStore validates them', async () => {
    const refused = async (frontend: Record<string, unknown>, pattern: RegExp): Promise<void> => {
      await assert.rejects(
        client.setBucketProps(bucket, { rate_limit: { frontend } }),
        (error: Error) => pattern.test(error.message),
      );
    };
    await refused({ burst_size: 11 }, /burst_size must be at most half of max_tokens/);
    await refused({ interval: '5h' }, /interval.*1s to 1h/);
    await refused({ interval: 'soon' }, /interval/);
    await refused({ per_op_max_tokens: 'get:x' }, /per_op_max_tokens|"get:x"/);
    await refused({ per_op_max_tokens: 'list:5' }, /"list:5"/);
    await refused({ bogus: 1 }, /unknown property "rate_limit.frontend.bogus"/);
    const props = await client.bucketProps(bucket);
    assert.equal(
      props.rate_limit?.frontend.max_tokens,
      20,
      'a refused change left the props as they were',
    );
  });

  test('new buckets start with the cluster defaults (rate_limit.* in the cluster config)', async () => {
    await cluster.setConfig({
      'rate_limit.backend.num_retries': 5,
      'rate_limit.frontend.max_tokens': 5000,
    });
    const fresh = { name: 'fresh', provider: 'ais' };
    await client.createBucket(fresh);
    const props = await client.bucketProps(fresh);
    assert.equal(props.rate_limit?.backend.num_retries, 5);
    assert.equal(props.rate_limit?.frontend.max_tokens, 5000);
    assert.equal(props.rate_limit?.frontend.enabled, false);
    assert.equal((await client.bucketProps(bucket)).rate_limit?.frontend.max_tokens, 20);
    await assert.rejects(cluster.setConfig({ 'rate_limit.frontend.interval': '2h' }), /interval/);
    await assert.rejects(
      cluster.setConfig({ 'rate_limit.frontend.bogus': 1 }),
      /invalid cluster config key/,
    );
  });
});
