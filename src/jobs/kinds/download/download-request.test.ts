// Unit tests of the downloader's start body and of the gateway's adding-up of the targets' shares.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { zeroTime, type DownloadStatusJson } from '../../../wire/index.js';
import { baseName, describeDownload, parseDownloadBody } from './download-request.js';
import { aggregateJobs, aggregateStatus } from './download-status.js';

const bucket = { name: 'b', provider: 'ais' };

test('single: the name is the base name of the link without its query; links get http://', () => {
  const spec = parseDownloadBody({ TYPE: 'single', bucket, link: 'host/d/a%20b.bin?x=1' });
  assert.equal(spec.source.kind, 'objects');
  if (spec.source.kind !== 'objects') return;
  assert.deepEqual([...spec.source.objects], [['a b.bin', 'http://host/d/a%20b.bin?x=1']]);
  assert.equal(describeDownload(spec, {}), 'http://host/d/a%20b.bin?x=1 -> ais://b/a b.bin');
  assert.equal(baseName('https://host/'), 'host');
  assert.equal(baseName('https://host/dir/'), 'dir');
});

test('range, multi and limits; mistakes are 400s with their reasons', () => {
  const range = parseDownloadBody({
    type: 'range',
    bucket,
    template: 'https://h/f-{01..10}.tar',
    timeout: '1m30s',
    limits: { connections: 2, bytes_per_hour: 1000 },
    headers: { Authorization: ['Bearer x'] },
  });
  assert.equal(range.source.kind === 'range' && range.source.template.count, 10);
  assert.equal(range.timeoutMs, 90_000);
  assert.deepEqual(range.limits, { connections: 2, bytesPerHour: 1000 });
  const multi = parseDownloadBody({ type: 'multi', bucket, objects: { 'x/y': 'http://h/1' } });
  assert.equal(multi.source.kind === 'objects' && multi.source.objects.get('x/y'), 'http://h/1');
  const refused: Array<[unknown, RegExp]> = [
    [{ type: 'multi', bucket, objects: { '../x': 'http://h/1' } }, /"\.\." path segment/],
    [{ type: 'multi', bucket, objects: [] }, /should not be empty/],
    [{ type: 'range', bucket, template: 'http://h/%d' }, /limit/],
    [{ type: 'range', bucket, template: 'http://h/x', subdir: 'a/../b' }, /subdir/],
    [{ type: 'single', bucket, link: 'http://h/a', headers: { a: 1 } }, /header "a"/],
    [{ type: 'single', bucket: {}, link: 'http://h/a' }, /bucket/],
  ];
  for (const [body, message] of refused)
    assert.throws(
      () => parseDownloadBody(body),
      (error: Error & { code?: string }) =>
        error.code === 'BadRequest' && message.test(error.message),
      JSON.stringify(body),
    );
  assert.throws(
    () => parseDownloadBody({ type: 'single', bucket, link: 'http://h/a', etl_name: 'e' }),
    (error: Error & { code?: string }) => error.code === 'NotImplemented',
  );
});

const share = (overrides: Partial<DownloadStatusJson>): DownloadStatusJson => ({
  id: 'dnl-1',
  xaction_id: 'dnl-1',
  description: 'd',
  started_time: '2026-01-01T00:00:02.000Z',
  finished_time: '2026-01-01T00:00:05.000Z',
  finished_cnt: 1,
  scheduled_cnt: 2,
  skipped_cnt: 0,
  error_cnt: 1,
  total: 2,
  all_dispatched: true,
  aborted: false,
  ...overrides,
});

test('the job is its shares added up: finished only when every share is, then at the latest end', () => {
  const status = aggregateStatus([
    share({ download_errors: [{ name: 'z', error: 'e' }] }),
    share({
      started_time: '2026-01-01T00:00:01.000Z',
      finished_time: '2026-01-01T00:00:09.000Z',
      download_errors: [{ name: 'a', error: 'e' }],
      current_tasks: [],
    }),
  ]);
  assert.equal(status.finished_cnt, 2);
  assert.equal(status.total, 4);
  assert.equal(status.started_time, '2026-01-01T00:00:01.000Z');
  assert.equal(status.finished_time, '2026-01-01T00:00:09.000Z');
  assert.deepEqual(
    status.download_errors?.map((error) => error.name),
    ['a', 'z'],
  );
  assert.equal(status.current_tasks, undefined);
  const running = aggregateStatus([share({}), share({ finished_time: zeroTime, aborted: true })]);
  assert.equal(running.finished_time, zeroTime);
  assert.equal(running.aborted, true);
  // A target still counting its links (-1) leaves the total unknown, not a sum of -1s.
  const counting = aggregateStatus([share({ total: -1 }), share({}), share({ total: -1 })]);
  assert.equal(counting.total, -1);
  const jobs = aggregateJobs([
    [share({ id: 'dnl-2' }), share({ id: 'dnl-3', finished_time: zeroTime })],
  ]);
  assert.deepEqual(
    jobs.map((job) => job.id),
    ['dnl-3', 'dnl-2'],
  );
});
