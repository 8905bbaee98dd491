// `cairn bench` as users run it (the real binary): briefly against a real cluster and against
// s3rver over S3, checking the JSON report; and the error paths (endpoint down, every request fails).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { BenchReport } from '../../src/cli/bench/index.js';
import type { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { S3rverProcess, s3rverCredentials, freePort } from '../harness/s3rver.js';
import { TestCluster } from '../harness/test-cluster.js';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function cairn(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cairnEntry, ...args],
      { timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A short verified PUT-then-GET run with a JSON report, into `bucket`. */
function briefRun(size: string, bucket: string, concurrency = 4): string[] {
  return [
    '--size',
    size,
    '--concurrency',
    String(concurrency),
    '--duration',
    '1s',
    '--verify',
    '--json',
    '--bucket',
    bucket,
  ];
}

function parseReport(result: CliResult): BenchReport {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as BenchReport;
}

/** Every phase ran its operation successfully and the figures are consistent. */
function assertHealthy(report: BenchReport, phases: string[]): void {
  assert.deepEqual(
    report.phases.map((phase) => phase.phase),
    phases,
  );
  assert.equal(report.totalErrors, 0, JSON.stringify(report.errors));
  for (const phase of report.phases) {
    for (const operation of phase.operations) {
      assert.ok(operation.count > 0, `${phase.phase} ${operation.operation} ran`);
      assert.equal(operation.errors, 0);
      assert.ok(operation.opsPerSecond > 0);
      const { p50, p90, p99, max } = operation.latencyMs;
      assert.ok(p50 <= p90 && p90 <= p99 && p99 <= max, JSON.stringify(operation.latencyMs));
    }
  }
}

describe('cairn bench', () => {
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 1, targets: 2, mountpaths: 2 });
    client = cluster.client();
  });
  after(() => cluster?.destroy());

  test('PUT then GET for 1 s against a cluster: JSON report, verified reads, bucket cleaned up', async () => {
    const endpoint = cluster.primary.publicUrl;
    const result = await cairn(['bench', '--endpoint', endpoint, ...briefRun('64KiB', 'load')]);
    const report = parseReport(result);
    assertHealthy(report, ['put', 'get']);
    assert.equal(report.api, 'native');
    const [put, get] = report.phases;
    assert.equal(put?.operations[0]?.operation, 'PUT');
    assert.equal(get?.operations[0]?.operation, 'GET');
    assert.equal(put?.operations[0]?.bytes, (put?.operations[0]?.count ?? 0) * 65536);
    const buckets = await client.listBuckets();
    assert.ok(!buckets.some((bucket) => bucket.name === 'load'), 'the run removed its bucket');
  });

  test('objects kept by one run are read, verified, by a later GET-only run', async () => {
    const endpoint = cluster.primary.publicUrl;
    const common = ['bench', '--endpoint', endpoint, '--size', '1KiB-300KiB', '--quiet', '--json'];
    const put = await cairn([...common, '--workload', 'put', '--objects', '40', '--no-cleanup']);
    assert.equal(parseReport(put).phases[0]?.operations[0]?.count, 40);
    const mixed = await cairn([
      ...common,
      '--workload',
      'get,mixed',
      '--duration',
      '1s',
      '--verify',
    ]);
    assertHealthy(parseReport(mixed), ['get', 'mixed']);
  });

  test('an endpoint that is down: one line on stderr, exit code 1', async () => {
    const port = await freePort();
    const result = await cairn([
      'bench',
      '--endpoint',
      `http://127.0.0.1:${port}`,
      '--duration',
      '1s',
    ]);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^Error: cannot use native API at http:\/\/127\.0\.0\.1:\d+ .*ECONNREFUSED.*\n$/,
    );
  });

  test('a server that fails every request: report, then "every request failed", exit code 1', async () => {
    const server: Server = createServer((request, response) => {
      response.statusCode = request.method === 'GET' ? 200 : 503;
      response.end(request.method === 'GET' ? '' : 'overloaded');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const result = await cairn([
        'bench',
        '--api',
        'http',
        '--endpoint',
        `http://127.0.0.1:${port}`,
        '--duration',
        '5s',
        '--max-errors',
        '20',
        '--quiet',
      ]);
      assert.equal(result.code, 1);
      assert.match(result.stdout, /put phase stopped early: \d+ errors/);
      assert.match(
        result.stderr,
        /^Error: every request failed \(\d+ of \d+\); first: PUT bench\/cairn-bench\/\d+: HTTP 503: overloaded\n$/,
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('cleanup tries a delete answered 500 again, as S3 clients do', async () => {
    const stored = new Map<string, Buffer>();
    const refusedOnce = new Set<string>();
    const server: Server = createServer((request, response) => {
      const key = request.url ?? '';
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'PUT') stored.set(key, Buffer.concat(chunks));
        if (request.method === 'DELETE' && !refusedOnce.has(key)) {
          refusedOnce.add(key);
          response.statusCode = 500;
          return void response.end('try again');
        }
        if (request.method === 'DELETE') stored.delete(key);
        response.end(request.method === 'GET' ? (stored.get(key) ?? '') : '');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const endpoint = ['--api', 'http', '--endpoint', `http://127.0.0.1:${port}`];
      const result = await cairn(['bench', ...endpoint, ...briefRun('1KiB', 'plain', 2)]);
      assertHealthy(parseReport(result), ['put', 'get']);
      assert.ok(refusedOnce.size > 0, 'objects were written and deleted');
      assert.equal(stored.size, 0, 'each deleted on its second attempt');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('--s3 against another S3 server (s3rver): bucket created, PUT, GET verified, cleaned up', async () => {
    const s3 = await S3rverProcess.start(join(cluster.dir, 's3rver'));
    try {
      const result = await cairn([
        'bench',
        '--s3',
        '--endpoint',
        s3.endpoint,
        '--access-key',
        s3rverCredentials.accessKey,
        '--secret-key',
        s3rverCredentials.secretKey,
        // One at a time: s3rver's concurrent DELETEs race on its directories (500 InternalError).
        ...briefRun('100KiB', 'sthree', 1),
      ]);
      const report = parseReport(result);
      assertHealthy(report, ['put', 'get']);
      assert.equal(report.api, 's3');
      const listing = await (await fetch(`${s3.endpoint}/`)).text();
      assert.match(listing, /ListAllMyBucketsResult/);
      assert.doesNotMatch(listing, /<Name>sthree<\/Name>/);
    } finally {
      await s3.stop();
    }
  });
});
