// Unit tests of `cairn bench` option parsing: sizes, ranges, durations, workloads, credentials.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageError } from '../cli-errors.js';
import {
  defaultDurationMs,
  parseBenchOptions,
  parseBucketOption,
  parseDuration,
  parseSizeRange,
  parseWorkload,
} from './bench-options.js';
import { rawBenchOptions, testGlobals } from './bench-options.test-helper.js';

const globals = testGlobals;
const raw = rawBenchOptions;

test('the basic call: PUT then GET of 1 MiB, 16 workers, 5 s per phase', () => {
  const plan = parseBenchOptions(raw({ duration: '5s' }), globals);
  assert.equal(plan.api, 'native');
  assert.equal(plan.endpoint, 'http://127.0.0.1:8080');
  assert.deepEqual(plan.phases, ['put', 'get']);
  assert.deepEqual(plan.size, { minBytes: 1048576, maxBytes: 1048576 });
  assert.equal(plan.concurrency, 16);
  assert.equal(plan.durationMs, 5000);
  assert.equal(plan.timeoutMs, 60_000);
  assert.equal(plan.s3, undefined);
});

test('a phase without limits is time-boxed, unless --objects or --total-bytes bounds it', () => {
  assert.equal(parseBenchOptions(raw(), globals).durationMs, defaultDurationMs);
  assert.equal(parseBenchOptions(raw({ objects: '100' }), globals).durationMs, undefined);
  const bytes = parseBenchOptions(raw({ totalBytes: '1GiB' }), globals);
  assert.equal(bytes.durationMs, undefined);
  assert.equal(bytes.totalBytes, 1024 ** 3);
});

test('sizes: fixed or an inclusive range', () => {
  assert.deepEqual(parseSizeRange('4KiB'), { minBytes: 4096, maxBytes: 4096 });
  assert.deepEqual(parseSizeRange('4KiB-1MiB'), { minBytes: 4096, maxBytes: 1048576 });
  assert.deepEqual(parseSizeRange('0'), { minBytes: 0, maxBytes: 0 });
  assert.throws(() => parseSizeRange('1MiB-4KiB'), UsageError);
  assert.throws(() => parseSizeRange('1-2-3'), UsageError);
  assert.throws(() => parseSizeRange('lots'), UsageError);
  assert.throws(() => parseSizeRange('65GiB'), UsageError);
});

test('durations in ms, s, m, h, or bare seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('5s'), 5000);
  assert.equal(parseDuration('2m'), 120_000);
  assert.equal(parseDuration('1h'), 3_600_000);
  assert.equal(parseDuration('1.5'), 1500);
  assert.throws(() => parseDuration('0s'), UsageError);
  assert.throws(() => parseDuration('soon'), UsageError);
  assert.throws(() => parseDuration('5d'), UsageError);
});

test('workloads are comma-separated phases', () => {
  assert.deepEqual(parseWorkload('put,get'), ['put', 'get']);
  assert.deepEqual(parseWorkload('mixed'), ['mixed']);
  assert.deepEqual(parseWorkload('PUT, get'), ['put', 'get']);
  assert.throws(() => parseWorkload('put,delete'), UsageError);
});

test('buckets: bare names, or ais:// for the native API', () => {
  assert.deepEqual(parseBucketOption('b', 'native'), { bucket: 'b', provider: 'ais' });
  assert.deepEqual(parseBucketOption('ais://b', 'native'), { bucket: 'b', provider: 'ais' });
  assert.deepEqual(parseBucketOption('s3://b', 's3'), { bucket: 'b', provider: 's3' });
  assert.throws(() => parseBucketOption('ais://b', 's3'), UsageError);
  assert.throws(() => parseBucketOption('a/b', 'native'), UsageError);
});

test('--s3 needs credentials, from flags (commander also fills them from the environment)', () => {
  assert.throws(() => parseBenchOptions(raw({ s3: true }), globals), /needs credentials/);
  const plan = parseBenchOptions(
    raw({ s3: true, accessKey: 'key', secretKey: 'secret', region: 'eu-west-1' }),
    globals,
  );
  assert.equal(plan.api, 's3');
  assert.deepEqual(plan.s3, { accessKeyId: 'key', secretAccessKey: 'secret', region: 'eu-west-1' });
  assert.throws(() => parseBenchOptions(raw({ s3: true, api: 'http' }), globals), UsageError);
});

test('bad counts, percentages, orders and endpoints are usage errors', () => {
  assert.throws(() => parseBenchOptions(raw({ concurrency: '0' }), globals), UsageError);
  assert.throws(() => parseBenchOptions(raw({ readPercent: '101' }), globals), UsageError);
  assert.throws(() => parseBenchOptions(raw({ names: 'shuffled' }), globals), UsageError);
  assert.throws(() => parseBenchOptions(raw({ api: 'ftp' }), globals), UsageError);
  const badEndpoint = { ...globals, endpoint: 'ftp://host' };
  assert.throws(() => parseBenchOptions(raw(), badEndpoint), UsageError);
});

test('plain HTTP cannot list, so reading first needs --objects', () => {
  assert.throws(
    () => parseBenchOptions(raw({ api: 'http', workload: 'get' }), globals),
    UsageError,
  );
  const plan = parseBenchOptions(raw({ api: 'http', workload: 'get', objects: '10' }), globals);
  assert.equal(plan.objects, 10);
});
