// Chaos: thousands of clients hang up at random points (mid-head, mid-body, after `Expect:
// 100-continue`, mid-answer, while not reading; FIN, close or RST) on both APIs, on gateways and
// targets. Afterwards every node still runs and answers, stored data reads back byte-identical,
// no object is half-visible, and descriptors and memory are back where they were. The seed fixes
// the requests and where each hangs up; how they interleave still varies from run to run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findFiles } from '../harness/disk.js';
import type { NodeProcess } from '../harness/node-process.js';
import { censusOf, describeCensus, type NodeCensus } from '../harness/node-resources.js';
import { Prng, chaosSeed } from '../harness/prng.js';
import type { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { contentOf } from './chaos-content.js';
import { listedObjects, readNative, runPool, startChaosWorld } from './chaos-cluster.js';
import { planRequests, type ChaosWorld, type PlannedRequest } from './chaos-requests.js';
import { planSession, runSession, type MultipartSession } from './multipart-sessions.js';
import { abortedExchange, closingRequest } from './raw-exchange.js';

const seed = chaosSeed();
const mib = 1024 * 1024;

/** Requests of the warm-up (before the baseline), and of each of the two chaos rounds. */
const warmupRequests = 400;
const roundRequests = 1200;
const roundSessions = 30;
/** Requests in flight at once, and multipart sessions beside them. */
const concurrency = 8;
const sessionConcurrency = 2;
/** A round starts no new request after this long, whatever is left (a slow machine). */
const roundBudgetMs = 30_000;
/** Longest wait for the nodes to settle (hung-up connections closed, descriptors released). */
const settleMs = 30_000;

/**
 * Tolerances of the leak check, against the baseline taken after the warm-up:
 * - sockets whose peer is gone (CLOSE_WAIT, orphaned, or reset but still held): none. Every chaos
 *   client socket is closed, so a node that keeps a hung-up client's socket shows here.
 * - file descriptors (object files, work files, directories): baseline + 2. Every aborted GET opens
 *   an object file and every aborted PUT a work file, so a leak on any path of the mix shows as
 *   dozens.
 * - all descriptors: baseline + 24. Beyond files and hung-up sockets, the intra-cluster keep-alive
 *   pools may keep more idle connections than after the warm-up (bounded per peer, closed after
 *   a minute idle, longer than this test waits; measured: up to +12). Every kind of request in
 *   the mix runs at least 50 times, so one descriptor leaked per request of any kind exceeds it.
 * - resident memory: baseline + 64 MiB, and the second round may add at most 32 MiB to what the
 *   first left. V8 and the buffer pool (up to 256 read buffers of 1 MiB, kept for reuse) grow to a
 *   plateau, usually in the first round, and stay there (measured: rounds of 2400 requests move
 *   RSS by at most ±22 MiB once warm); a leak grows with every round. A target serves some 300
 *   requests of a round, so the second bound catches a leak of about 100 KiB per request, e.g. a
 *   1 MiB read buffer never returned on each aborted large GET (a third of the GETs are of large
 *   objects). A node whose plateau came in the second round instead (seen once in CI: 169 MiB
 *   after round 1, 203 after round 2) gets a third round, which must then add at most 32 MiB: a
 *   leak would add as much again.
 */
const tolerance = {
  files: 2,
  descriptors: 24,
  residentBytes: 64 * mib,
  residentPerRoundBytes: 32 * mib,
};

describe(`clients that hang up at random points (CAIRN_CHAOS_SEED=${seed})`, () => {
  let cluster: TestCluster;
  let world: ChaosWorld;
  let baseline: Map<NodeProcess, NodeCensus>;
  let afterFirstRound: Map<NodeProcess, NodeCensus>;
  const rng = new Prng(seed);
  const tally = new Map<string, number>();
  const sessionFailures: string[] = [];
  let serial = 0;

  const count = (key: string): void => {
    tally.set(key, (tally.get(key) ?? 0) + 1);
  };

  const sendPlanned = async (planned: PlannedRequest): Promise<void> => {
    const outcome = await abortedExchange(await planned.build(), planned.point, planned.hangUp);
    count(`${planned.kind} | ${planned.point.at} | ${planned.hangUp}`);
    if (outcome.timedOut) count(`(timed out) ${planned.kind} | ${planned.point.at}`);
  };

  const runCountedSession = async (session: MultipartSession): Promise<void> => {
    const failure = await runSession(world, session);
    count(`s3 multipart | hang up at ${session.abortAt} ${session.point.at} | ${session.hangUp}`);
    if (failure !== undefined) sessionFailures.push(`${session.id} ${session.name}: ${failure}`);
  };

  /** Plans and sends a round of requests and multipart sessions. */
  const chaosRound = async (requests: number, sessions: number): Promise<string> => {
    const plans = planRequests(world, rng, requests, serial);
    serial += requests;
    const planned = Array.from({ length: sessions }, () => planSession(world, rng, serial++));
    const started = Date.now();
    const deadline = started + roundBudgetMs;
    const [ran, sessionsRan] = await Promise.all([
      runPool(plans, concurrency, deadline, sendPlanned),
      runPool(planned, sessionConcurrency, deadline, runCountedSession),
    ]);
    return `${ran} of ${requests} requests, ${sessionsRan} of ${sessions} multipart sessions in ${Date.now() - started} ms`;
  };

  const censusAll = async (): Promise<Map<NodeProcess, NodeCensus>> =>
    new Map(
      await Promise.all(cluster.nodes.map(async (node) => [node, await censusOf(node)] as const)),
    );

  /** A census once no node holds a socket of a hung-up client (bounded wait). */
  const settledCensus = async (): Promise<Map<NodeProcess, NodeCensus>> => {
    let census = new Map<NodeProcess, NodeCensus>();
    const holding = (): string[] =>
      [...census]
        .filter(([, { sockets }]) => sockets.orphaned + sockets.closeWait + sockets.detached > 0)
        .map(([node, item]) => `${node.spec.name}: ${describeCensus(item)}`);
    try {
      await waitFor('connections of hung-up clients released', settleMs, async () => {
        census = await censusAll();
        return holding().length === 0;
      });
    } catch (error) {
      assert.deepEqual(holding(), [], String(error));
    }
    return census;
  };

  before(async () => {
    console.log(`chaos seed ${seed} (set CAIRN_CHAOS_SEED to repeat or vary it)`);
    ({ cluster, world } = await startChaosWorld(rng));
  });
  after(() => cluster?.destroy());

  test('warm-up, then the baseline of every node', async () => {
    console.log(`warm-up: ${await chaosRound(warmupRequests, 4)}`);
    baseline = await settledCensus();
    for (const [node, census] of baseline)
      console.log(`baseline ${node.spec.name}: ${describeCensus(census)}`);
  });

  test('two rounds of aborted requests and multipart sessions', async () => {
    tally.clear();
    console.log(`round 1: ${await chaosRound(roundRequests, roundSessions)}`);
    afterFirstRound = await settledCensus();
    console.log(`round 2: ${await chaosRound(roundRequests, roundSessions)}`);
    const lines = [...tally.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(lines.map(([key, value]) => `${String(value).padStart(5)}  ${key}`).join('\n'));
    assert.deepEqual(sessionFailures, [], 'multipart steps that were not interrupted must succeed');
  });

  test('every node still runs and answers health', async () => {
    const dead = cluster.nodes.filter((node) => !node.running);
    const logs = await Promise.all(
      dead.map(async (node) => {
        const log = await readFile(join(node.spec.dir, 'node.log'), 'utf8').catch(() => '');
        return `${node.spec.name} exited:\n${log.slice(-4000)}`;
      }),
    );
    assert.deepEqual(logs, []);
    for (const node of cluster.nodes) {
      const health = await closingRequest(node.port, 'GET', '/v1/health');
      assert.equal(health.status, 200, `${node.spec.name} health`);
    }
  });

  test('no node logged a hang-up as a fault', async () => {
    // A client hanging up is expected: it must not surface as a 500 (code Internal), a failed
    // error answer, or anything on stderr that is not a log record (an uncaught error's stack).
    const faults: string[] = [];
    for (const node of cluster.nodes) {
      const log = await readFile(join(node.spec.dir, 'node.log'), 'utf8');
      for (const line of log.split('\n')) {
        if (line === '') continue;
        if (
          !line.startsWith('{') ||
          line.includes('"code":"Internal"') ||
          line.includes('"message":"error answer failed"')
        )
          faults.push(`${node.spec.name}: ${line.slice(0, 400)}`);
      }
    }
    assert.deepEqual(faults.slice(0, 10), []);
  });

  test('objects stored before the chaos read back byte-identical', async () => {
    for (const object of world.stable) {
      const data = await readNative(world, object.bucket, object.name);
      const label = `${object.bucket}/${object.name}`;
      assert.ok(data !== undefined, `${label} is gone`);
      assert.ok(data.equals(contentOf(object.id, object.length)), `${label} changed`);
    }
  });

  test('every written object is absent or one whole attempt, never part of one', async () => {
    /** Reads every written object and lists them: what is there, and what is wrong with it. */
    const look = async (): Promise<{ problems: string[]; present: string[]; listed: string[] }> => {
      const problems: string[] = [];
      const present: string[] = [];
      for (const object of world.contents.objects) {
        const slash = object.indexOf('/');
        const data = await readNative(world, object.slice(0, slash), object.slice(slash + 1));
        if (data === undefined) continue;
        present.push(`${object} ${data.length}`);
        const problem = world.contents.problemWith(object, data);
        if (problem !== undefined) problems.push(problem);
      }
      const listed: string[] = [];
      for (const bucket of [world.nativeBucket, world.s3Bucket]) {
        for (const [name, size] of await listedObjects(world, bucket, 'victim/'))
          listed.push(`${bucket}/${name} ${size}`);
      }
      return { problems, present: present.sort(), listed: listed.sort() };
    };
    // A delete-listrange job or a completion whose client hung up may still be finishing: the
    // listing is compared again (bounded) until it agrees with the reads.
    let seen = await look();
    for (let attempt = 0; attempt < 5 && seen.listed.join() !== seen.present.join(); attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      seen = await look();
    }
    console.log(
      `${seen.present.length} of ${world.contents.objects.length} written objects present`,
    );
    assert.deepEqual(seen.problems, []);
    assert.deepEqual(seen.listed, seen.present, 'listed objects are the ones that read whole');
  });

  test('descriptors, sockets and memory return to the baseline; no work files stay', async () => {
    let last = new Map<NodeProcess, NodeCensus>();
    const excess = (): string[] => {
      const problems: string[] = [];
      for (const [node, census] of last) {
        const base = baseline.get(node);
        const middle = afterFirstRound.get(node);
        if (base === undefined || middle === undefined) continue;
        const name = node.spec.name;
        const { sockets } = census;
        if (sockets.orphaned + sockets.closeWait + sockets.detached > 0)
          problems.push(`${name} holds sockets of hung-up peers: ${describeCensus(census)}`);
        if (census.files.length > base.files.length + tolerance.files)
          problems.push(`${name}: files ${base.files.join(' ')} -> ${census.files.join(' ')}`);
        if (census.descriptors > base.descriptors + tolerance.descriptors)
          problems.push(`${name}: descriptors ${base.descriptors} -> ${census.descriptors}`);
        const rss = (bytes: number): string => `${(bytes / mib).toFixed(0)} MiB`;
        if (census.residentBytes > base.residentBytes + tolerance.residentBytes)
          problems.push(
            `${name}: resident ${rss(base.residentBytes)} -> ${rss(census.residentBytes)}`,
          );
        if (census.residentBytes > middle.residentBytes + tolerance.residentPerRoundBytes) {
          problems.push(
            `${name}: resident ${rss(middle.residentBytes)} after the round before -> ${rss(census.residentBytes)}`,
          );
        }
      }
      return problems;
    };
    const isRoundGrowth = (problem: string): boolean =>
      problem.includes(' after the round before ');
    try {
      await waitFor('every node back to its baseline', settleMs, async () => {
        last = await censusAll();
        return excess().length === 0;
      });
    } catch (error) {
      const problems = excess();
      if (problems.length === 0 || !problems.every(isRoundGrowth))
        assert.deepEqual(problems, [], String(error));
      // Growth in the second round alone: a plateau reached late, or a leak. A third round tells.
      console.log(`${problems.join('; ')}: a third round`);
      afterFirstRound = last;
      console.log(`round 3: ${await chaosRound(roundRequests, roundSessions)}`);
      try {
        await waitFor('every node back to its baseline', settleMs, async () => {
          last = await censusAll();
          return excess().length === 0;
        });
      } catch (third) {
        assert.deepEqual(excess(), [], String(third));
      }
    } finally {
      for (const [node, census] of last)
        console.log(`after ${node.spec.name}: ${describeCensus(census)}`);
    }
    assert.deepEqual(await findFiles(cluster.dir, '%wk'), [], 'work files of aborted writes stay');
  });
});
