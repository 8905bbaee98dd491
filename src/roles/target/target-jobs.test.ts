// A share's start is recorded on disk before the share is registered, and the gateway starts the
// shares in parallel: what peers send for the job meanwhile (their share ends, an ETL's direct
// puts) must reach the share once it runs, not be dropped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Job, type JobDefinition, type JobInterruptions } from '../../jobs/index.js';
import { createLogger } from '../../util/log.js';
import type { NodeRuntime } from '../common/node-runtime.js';
import { TargetJobs } from './target-jobs.js';

/** A share that runs until `finish` is called. */
class HeldJob extends Job {
  finish: () => void = () => undefined;
  protected execute(): Promise<void> {
    return new Promise((resolve) => {
      this.finish = resolve;
    });
  }
}

test('share ends and direct puts heard while the share was being recorded are kept', async () => {
  let recorded: () => void = () => undefined;
  const interruptions = {
    started: () => new Promise<void>((resolve) => (recorded = resolve)),
    ended: () => Promise.resolve(),
    reported: () => Promise.resolve(),
  } as unknown as JobInterruptions;
  const runtime = {
    id: 't1',
    log: createLogger({}, 'error', () => undefined),
    metrics: { jobs: { started: () => undefined, ended: () => undefined } },
    store: { onChange: () => undefined, clusterMap: undefined },
  } as unknown as NodeRuntime;
  let job: HeldJob | undefined;
  const definition: JobDefinition = {
    kind: { name: 'etl-listrange', startable: true, bucketScoped: false, exclusive: false },
    create: (request) => (job = new HeldJob(request.id, request.kind, undefined)),
  };
  const jobs = new TargetJobs(runtime, {} as never, [definition], interruptions);

  const starting = jobs.start({ id: 'j1', kind: 'etl-listrange', targets: ['t1', 't2'] });
  jobs.countDelivered('j1', 100);
  jobs.peerEnded({ id: 'j1', node: 't2', error: '' });
  jobs.countDelivered('j1', 50);
  recorded();
  await starting;
  jobs.countDelivered('j1', 10);

  const started = jobs.registry.get('j1');
  assert.ok(started !== undefined && started === job);
  assert.equal(started.counters.inObjects, 3);
  assert.equal(started.counters.inBytes, 160);
  // t2's share ended well before it left: nothing to fail.
  started.peersLeft((node) => node !== 't2');
  assert.equal(started.snapshot().err, '');
  job?.finish();
});

test("a status query with a newer map than this target's is answered once that map is here: a peer that left is reported first", async () => {
  type Change = { clusterMap?: { current: { node: (id: string) => unknown } } };
  const listeners: Array<(change: Change) => void> = [];
  let version = 5;
  let applyMap: () => void = () => undefined;
  const store = {
    onChange: (listener: (change: Change) => void) => listeners.push(listener),
    get clusterMap() {
      // No peer reachable: this share's end is told to nobody.
      return { version, node: () => undefined };
    },
    config: { values: { keepalive: { interval_ms: 5_000 } } },
    waitForClusterMap: (wanted: number) =>
      new Promise<void>((resolve) => {
        applyMap = () => {
          // As the metadata store applies a map: listeners first, then the waiters.
          version = wanted;
          for (const listener of listeners)
            listener({ clusterMap: { current: { node: (id) => (id === 't2' ? undefined : {}) } } });
          resolve();
        };
      }),
  };
  const runtime = {
    id: 't1',
    log: createLogger({}, 'error', () => undefined),
    metrics: { jobs: { started: () => undefined, ended: () => undefined } },
    store,
  } as unknown as NodeRuntime;
  const interruptions = {
    started: () => Promise.resolve(),
    ended: () => Promise.resolve(),
    reported: () => Promise.resolve(),
  } as unknown as JobInterruptions;
  let job: HeldJob | undefined;
  const definition: JobDefinition = {
    kind: { name: 'etl-listrange', startable: true, bucketScoped: false, exclusive: false },
    create: (request) => (job = new HeldJob(request.id, request.kind, undefined)),
  };
  const jobs = new TargetJobs(runtime, {} as never, [definition], interruptions);
  await jobs.start({ id: 'j2', kind: 'etl-listrange', targets: ['t1', 't2'] });
  job?.finish();
  await jobs.registry.get('j2')?.ended;

  let answered = false;
  const query = jobs.untilEnded('j2', 1_000, 6).then(() => (answered = true));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(answered, false, 'not answered before map 6 is here');
  applyMap();
  await query;
  assert.match(jobs.registry.get('j2')?.snapshot().err ?? '', /target t2 left the cluster/);
  // Its own map or an older one: answered at once.
  await jobs.untilEnded('j2', 0, 6);
  await jobs.untilEnded('j2', 0, 3);
});
