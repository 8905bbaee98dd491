// ETL as local transformer processes on a real cluster (2 gateways, 2 targets): the control API
// (init, list, details, logs, health, metrics, stop, start, delete), inline transforms over hpush
// (Node), hpull (Python) and io (a shell command), a pipeline, failures recorded in obj_errors, a
// crashing transformer restarted, a hanging one cut by obj_timeout, and a target restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { writeTransformers, type TransformerFiles } from './transformers.js';

const bucket = 'etlsrc';
const objects = Array.from({ length: 12 }, (_, i) => ({
  name: `obj-${i}`,
  data: `hello etl ${i} `,
}));

interface Answer {
  status: number;
  text: string;
  headers: Headers;
}

describe('ETL', () => {
  let cluster: TestCluster;
  let files: TransformerFiles;
  let gateway: string;
  let other: string;

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    url = gateway,
  ): Promise<Answer> => {
    const response = await fetch(`${url}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    const text = await response.text();
    // Errors: the message of AIStore's ErrHTTP body.
    const message = response.ok ? undefined : (JSON.parse(text) as { message?: string }).message;
    return { status: response.status, text: message ?? text, headers: response.headers };
  };
  const json = async <T>(path: string): Promise<T> => {
    const answer = await call('GET', path);
    assert.equal(answer.status, 200, answer.text);
    return JSON.parse(answer.text) as T;
  };
  const transform = (name: string, object: string, query = ''): Promise<Answer> =>
    call('GET', `/v1/objects/${bucket}/${object}?etl_name=${name}${query}`);
  const init = (spec: Record<string, unknown>, url = gateway): Promise<Answer> =>
    call('PUT', '/v1/etl', spec, url);
  const stageOf = async (name: string): Promise<string | undefined> =>
    (await json<Array<{ id: string; stage: string }>>('/v1/etl')).find((etl) => etl.id === name)
      ?.stage;

  before(async () => {
    cluster = await TestCluster.start({ proxies: 2, targets: 2, mountpaths: 1 });
    files = await writeTransformers(cluster.dir);
    gateway = cluster.primary.publicUrl;
    other = cluster.proxies[1]?.publicUrl ?? gateway;
    await cluster.client(0).createBucket({ name: bucket, provider: 'ais' });
    for (const { name, data } of objects) {
      const put = await call('PUT', `/v1/objects/${bucket}/${name}`, undefined);
      assert.ok(put.status === 307 || put.status === 200);
      const location = put.headers.get('location');
      const target = location ?? `${gateway}/v1/objects/${bucket}/${name}`;
      const stored = await fetch(target, { method: 'PUT', body: data });
      assert.equal(stored.status, 200);
    }
    for (const name of ['fail-1', 'crash-1', 'hang-1']) {
      const put = await fetch(`${gateway}/v1/objects/${bucket}/${name}`, {
        method: 'PUT',
        redirect: 'manual',
      });
      await fetch(String(put.headers.get('location')), { method: 'PUT', body: 'x' });
    }
  });
  after(() => cluster?.destroy());

  test('init (through a non-primary gateway), list, inline hpush transform, details, logs, health, metrics', async () => {
    const answer = await init(
      { name: 'upper-node', runtime: { command: ['node', files.nodeUpper] }, obj_timeout: '3s' },
      other,
    );
    assert.equal(answer.status, 200, answer.text);
    assert.match(answer.text, /^etl-\w+$/);
    assert.equal(await stageOf('upper-node'), 'Running');
    for (const { name, data } of objects) {
      const out = await transform('upper-node', name);
      assert.equal(out.status, 200, out.text);
      assert.equal(out.text, data.toUpperCase());
    }
    const withArgs = await transform('upper-node', 'obj-1', '&etl_args=xyz');
    assert.equal(withArgs.text, `${objects[1]?.data.toUpperCase()}|xyz`);
    const list = await json<
      Array<{
        id: string;
        obj_count: number;
        in_bytes: number;
        out_bytes: number;
        xaction_id: string;
      }>
    >('/v1/etl');
    const entry = list.find((etl) => etl.id === 'upper-node');
    assert.equal(entry?.xaction_id, answer.text);
    assert.ok((entry?.obj_count ?? 0) >= objects.length, JSON.stringify(entry));
    assert.ok((entry?.in_bytes ?? 0) > 0 && (entry?.out_bytes ?? 0) > 0);
    const details = await json<{ init_msg: Record<string, unknown>; obj_errors: unknown[] }>(
      '/v1/etl/upper-node',
    );
    assert.equal(details.init_msg['communication'], 'hpush://');
    assert.equal(details.init_msg['init_timeout'], '45s');
    assert.equal(details.init_msg['obj_timeout'], '3s');
    const logs = await json<Array<{ target_id: string; logs: string }>>('/v1/etl/upper-node/logs');
    assert.equal(logs.length, 2);
    for (const log of logs)
      assert.match(Buffer.from(log.logs, 'base64').toString(), /listening on \d+/);
    const one = await json<Array<{ target_id: string }>>(
      `/v1/etl/upper-node/logs/${logs[0]?.target_id}`,
    );
    assert.deepEqual(
      one.map((log) => log.target_id),
      [logs[0]?.target_id],
    );
    const health = await json<Array<{ health_status: string }>>('/v1/etl/upper-node/health');
    assert.deepEqual(
      health.map((item) => item.health_status),
      ['Running', 'Running'],
    );
    const metrics = await json<Array<{ cpu: number; mem: number }>>('/v1/etl/upper-node/metrics');
    assert.equal(metrics.length, 2);
    for (const item of metrics) assert.ok(item.mem > 0 && item.cpu >= 0, JSON.stringify(item));
  });

  test('refusals: duplicate (409 etl job), name rule, unknown image, ws, unknown ETL (404 etl job)', async () => {
    const duplicate = await init({
      name: 'upper-node',
      runtime: { command: ['node', files.nodeUpper] },
    });
    assert.equal(duplicate.status, 409);
    assert.match(duplicate.text, /etl job "upper-node" already exists/);
    assert.equal((await init({ name: 'Bad_Name', runtime: { command: ['true'] } })).status, 400);
    assert.equal((await init({ name: 'short', runtime: { command: ['true'] } })).status, 400);
    const image = await init({
      name: 'no-image',
      runtime: { image: 'aistorage/runtime_python:3.13' },
    });
    assert.equal(image.status, 400);
    assert.match(image.text, /aistorage\/runtime_python:3\.13/);
    assert.equal(
      (await init({ name: 'web-socket', communication: 'ws://', runtime: { command: ['true'] } }))
        .status,
      501,
    );
    const missing = await transform('nonexistent', 'obj-1');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /etl job "nonexistent" does not exist/);
    assert.equal((await call('GET', '/v1/etl/nonexistent')).status, 404);
    assert.equal((await call('DELETE', '/v1/etl/nonexistent')).status, 404);
    assert.equal((await call('POST', '/v1/etl/upper-node/start')).status, 409);
  });

  test('a failing object: clear error to the client, recorded in obj_errors', async () => {
    const failed = await transform('upper-node', 'fail-1');
    assert.equal(failed.status, 502);
    assert.match(failed.text, /cannot transform/);
    const details = await json<{
      obj_errors: Array<{ obj_name: string; msg: string; ecode: number }>;
    }>('/v1/etl/upper-node');
    const error = details.obj_errors.find((item) => item.obj_name === 'fail-1');
    assert.equal(error?.ecode, 502);
    assert.match(error?.msg ?? '', /answered 500/);
  });

  test('a hanging transformer is cut by obj_timeout (504, recorded)', async () => {
    const hung = await transform('upper-node', 'hang-1');
    assert.equal(hung.status, 504, hung.text);
    assert.match(hung.text, /obj_timeout/);
    const details = await json<{ obj_errors: Array<{ obj_name: string; ecode: number }> }>(
      '/v1/etl/upper-node',
    );
    assert.ok(details.obj_errors.some((item) => item.obj_name === 'hang-1' && item.ecode === 504));
  });

  test('a crashing transformer is restarted (the request it crashed on fails with 502/503), then serves again', async () => {
    const crashed = await transform('upper-node', 'crash-1');
    assert.ok([502, 503].includes(crashed.status), `${crashed.status} ${crashed.text}`);
    // Health can still say Running before the target has seen its transformer exit: the wait is
    // over when every target reports Running and every object is served (one object only may be
    // another target's, answered while the crashed one still restarts).
    // Until it is back, a request is a 503 (try again), never another failure.
    const unexpected: string[] = [];
    await waitFor('the crashed transformer to serve again', 60_000, async () => {
      let served = true;
      for (const { name } of objects) {
        const during = await transform('upper-node', name);
        if (![200, 503].includes(during.status)) unexpected.push(`${during.status} ${during.text}`);
        if (during.status !== 200) served = false;
      }
      const health = await json<Array<{ health_status: string }>>('/v1/etl/upper-node/health');
      return served && health.every((item) => item.health_status === 'Running');
    });
    assert.deepEqual(unexpected, []);
    for (const { name, data } of objects) {
      const out = await transform('upper-node', name);
      assert.equal(out.status, 200, out.text);
      assert.equal(out.text, data.toUpperCase());
    }
    const logs = await json<Array<{ logs: string }>>('/v1/etl/upper-node/logs');
    const text = logs.map((log) => Buffer.from(log.logs, 'base64').toString()).join('');
    assert.match(text, /crashing on/);
    assert.match(text, /exited with status 3/);
  });

  test('pipeline of two hpush ETLs, hpull in Python, io as a shell command', async () => {
    const md5 = await init({
      name: 'md5-node',
      runtime: { command: ['node', files.nodeUpper], env: [{ name: 'TRANSFORM', value: 'md5' }] },
    });
    assert.equal(md5.status, 200, md5.text);
    const data = objects[5]?.data ?? '';
    const piped = await transform('upper-node', 'obj-5', '&etl_pipeline=md5-node');
    assert.equal(piped.status, 200, piped.text);
    assert.equal(piped.text, createHash('md5').update(data.toUpperCase()).digest('hex'));

    const pull = await init({
      name: 'md5-python',
      communication: 'hpull',
      runtime: { command: ['python3', '-u', files.pythonMd5] },
    });
    assert.equal(pull.status, 200, pull.text);
    const redirected = await fetch(`${gateway}/v1/objects/${bucket}/obj-5?etl_name=md5-python`);
    assert.equal(redirected.status, 200);
    assert.equal(await redirected.text(), createHash('md5').update(data).digest('hex'));
    const refused = await transform('md5-python', 'obj-5', '&etl_pipeline=md5-node');
    assert.equal(refused.status, 400);

    const io = await init({
      name: 'upper-shell',
      communication: 'io://',
      runtime: { command: ['tr', 'a-z', 'A-Z'] },
    });
    assert.equal(io.status, 200, io.text);
    const shell = await transform('upper-shell', 'obj-5');
    assert.equal(shell.status, 200, shell.text);
    assert.equal(shell.text, data.toUpperCase());
    const failing = await init({
      name: 'fail-shell',
      communication: 'io',
      runtime: { command: ['sh', '-c', 'echo broken >&2; exit 4'] },
    });
    assert.equal(failing.status, 200, failing.text);
    const broken = await transform('fail-shell', 'obj-5');
    assert.equal(broken.status, 502);
    assert.match(broken.text, /status 4: broken/);
  });

  test('a transformer that never gets healthy: init fails within init_timeout, stage Aborted', async () => {
    const answer = await init({
      name: 'never-ready',
      init_timeout: '2s',
      runtime: { command: ['sleep', '600'] },
    });
    assert.equal(answer.status, 502, answer.text);
    assert.match(answer.text, /init_timeout/);
    assert.equal(await stageOf('never-ready'), 'Aborted');
    assert.equal((await call('DELETE', '/v1/etl/never-ready')).status, 200);
  });

  test('stop (Aborted, transforms refused), start again, restart of a target, delete', async () => {
    assert.equal((await call('POST', '/v1/etl/upper-node/stop', undefined, other)).status, 200);
    assert.equal(await stageOf('upper-node'), 'Aborted');
    const stopped = await transform('upper-node', 'obj-1');
    assert.equal(stopped.status, 409);
    assert.match(stopped.text, /etl job/);
    const started = await call('POST', '/v1/etl/upper-node/start');
    assert.equal(started.status, 200, started.text);
    assert.match(started.text, /^etl-/);
    assert.equal(await stageOf('upper-node'), 'Running');
    assert.equal((await transform('upper-node', 'obj-1')).text, objects[1]?.data.toUpperCase());

    // A target killed outright takes its transformers with it; restarted, it starts them again.
    const target = cluster.targets[0];
    assert.ok(target !== undefined);
    const ports = await transformerPorts(target.publicUrl);
    assert.ok(ports.length > 0);
    await target.stop('SIGKILL');
    await waitFor("the killed target's transformers to be gone", 30_000, async () => {
      for (const port of ports) {
        try {
          await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(1000) });
          return false;
        } catch {
          // refused: gone
        }
      }
      return true;
    });
    await target.start();
    await cluster.waitForMembers();
    await waitFor("the restarted target's transformer", 60_000, async () => {
      const health = await json<Array<{ health_status: string }>>('/v1/etl/upper-node/health');
      return health.length === 2 && health.every((item) => item.health_status === 'Running');
    });
    for (const { name, data } of objects)
      assert.equal((await transform('upper-node', name)).text, data.toUpperCase());

    assert.equal((await call('DELETE', '/v1/etl/upper-node')).status, 200);
    assert.equal((await call('GET', '/v1/etl/upper-node')).status, 404);
    assert.equal((await transform('upper-node', 'obj-1')).status, 404);
  });

  test('a transformer that keeps crashing: the targets give up and the ETL is Aborted', async () => {
    await cluster.setConfig({ 'etl.max_restarts': 1, 'etl.restart_backoff_ms': 100 });
    try {
      const server = `require('node:http').createServer((q, s) => s.end('Running')).listen(process.env.PORT, process.env.HOST); setTimeout(() => process.exit(7), 1500);`;
      const answer = await init({
        name: 'crash-loop',
        runtime: { command: ['node', '-e', server] },
      });
      assert.equal(answer.status, 200, answer.text);
      await waitFor(
        'the crash-looping ETL to be aborted',
        90_000,
        async () => (await stageOf('crash-loop')) === 'Aborted',
      );
      // A target reports Stopped once the push of the Aborted stage reached it.
      await waitFor('every target to stop the aborted ETL', 30_000, async () => {
        const health = await json<Array<{ health_status: string }>>('/v1/etl/crash-loop/health');
        return health.every((item) => item.health_status === 'Stopped');
      });
      const logs = await json<Array<{ logs: string }>>('/v1/etl/crash-loop/logs');
      assert.ok(
        logs.some((log) => /exited with status 7/.test(Buffer.from(log.logs, 'base64').toString())),
      );
      assert.equal((await call('DELETE', '/v1/etl/crash-loop')).status, 200);
    } finally {
      await cluster.setConfig({ 'etl.max_restarts': 5, 'etl.restart_backoff_ms': 500 });
    }
  });

  test('CLI: etl init (io), ls, show, logs, object, get --etl, stop, start, rm', async () => {
    const cairn = async (
      ...args: string[]
    ): Promise<{ stdout: string; stderr: string; code: number }> => {
      const argv = [cairnEntry, '--endpoint', gateway, ...args];
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, argv, {
          timeout: 120_000,
        });
        return { stdout, stderr, code: 0 };
      } catch (error) {
        return error as { stdout: string; stderr: string; code: number };
      }
    };
    const init = await cairn(
      'etl',
      'init',
      '--name',
      'cli-upper',
      '--comm',
      'io',
      '--command',
      'tr a-z A-Z',
    );
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /^etl-\w+\n$/);
    const list = await cairn('etl', 'ls');
    assert.match(list.stdout, /cli-upper\s+Running\s+etl-/);
    const data = objects[2]?.data ?? '';
    const object = await cairn('etl', 'object', 'cli-upper', `ais://${bucket}/obj-2`, '-');
    assert.equal(object.code, 0, object.stderr);
    assert.equal(object.stdout, data.toUpperCase());
    const get = await cairn('get', `ais://${bucket}/obj-2`, '-', '--etl', 'cli-upper');
    assert.equal(get.stdout, data.toUpperCase());
    const show = await cairn('etl', 'show', 'cli-upper');
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /"communication": "io:\/\/"/);
    assert.match(show.stdout, /Running/);
    const logs = await cairn('etl', 'logs', 'cli-upper');
    assert.match(logs.stdout, /=== target \w+ ===/);
    assert.equal((await cairn('etl', 'stop', 'cli-upper')).code, 0);
    assert.match((await cairn('etl', 'ls')).stdout, /cli-upper\s+Aborted/);
    const restarted = await cairn('etl', 'start', 'cli-upper');
    assert.match(restarted.stdout, /^etl-\w+\n$/);
    assert.equal((await cairn('etl', 'rm', 'cli-upper')).code, 0);
    const gone = await cairn('etl', 'show', 'cli-upper');
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /etl job "cli-upper" does not exist/);
  });

  /** The ports of a target's transformers, from their logs (`[cairn] running on port N`). */
  async function transformerPorts(targetUrl: string): Promise<number[]> {
    const map = (await (await fetch(`${targetUrl}/v1/daemon?what=snode`)).json()) as {
      daemon_id: string;
    };
    const logs = await json<Array<{ target_id: string; logs: string }>>(
      `/v1/etl/upper-node/logs/${map.daemon_id}`,
    );
    const text = logs.map((log) => Buffer.from(log.logs, 'base64').toString()).join('');
    return [...text.matchAll(/running on port (\d+)/g)].map((match) => Number(match[1]));
  }
});
