// Unit tests for deletes taken while a target is away: a tombstone only while a target left the
// map without decommission (or is in maintenance), told to it once it is active again, kept while
// it cannot be told, and none once every target is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterMap, makeClusterNode, type MetadataStore } from '../../cluster/index.js';
import { localDisk, Tombstones, type LocalStore } from '../../storage/index.js';
import type { IntraClient } from '../../transport/index.js';
import { createLogger } from '../../util/log.js';
import { NodeFlag } from '../../wire/index.js';
import { DeletedWhileAway, type TombstonesJson } from './deleted-while-away.js';
import type { RebalanceEnvironment } from './rebalance-environment.js';

const bucket = { name: 'b', provider: 'ais' };
const target = (id: string, flags = 0) =>
  makeClusterNode(id, 'target', `http://${id}`, `http://${id}`, flags);
const full = ClusterMap.create('u', makeClusterNode('p', 'proxy', 'http://p', 'http://p'))
  .withNode(target('self'))
  .withNode(target('t1'))
  .withNode(target('t2'));

interface Harness {
  away: DeletedWhileAway;
  tombstones: Tombstones;
  /** What each target was told: target URL → names. */
  told: Map<string, string[]>;
  setMap: (map: ClusterMap) => void;
  /** Targets whose URL refuses the delivery. */
  unreachable: Set<string>;
  /** What a peer (URL) answers when this target asks what it missed. */
  asked: Map<string, TombstonesJson>;
  /** This target restarted with the current map: what it loads from its files. */
  restart: () => Promise<{ away: DeletedWhileAway; tombstones: Tombstones }>;
}

async function withHarness(run: (harness: Harness) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-away-'));
  try {
    const tombstones = await Tombstones.open(localDisk, join(dir, 'tombstones.log'));
    let map = full;
    let nowMs = 1000;
    const told = new Map<string, string[]>();
    const unreachable = new Set<string>();
    const asked = new Map<string, TombstonesJson>();
    const client = {
      requestJson: (url: string, request: { method: string; body: TombstonesJson }) => {
        const base = url.slice(0, url.indexOf('/v1/'));
        if (unreachable.has(base)) return Promise.reject(new Error('refused'));
        if (request.method === 'GET') return Promise.resolve(asked.get(base) ?? { tombstones: [] });
        const names = request.body.tombstones.map((entry) => entry.uname);
        told.set(base, [...(told.get(base) ?? []), ...names]);
        return Promise.resolve({});
      },
    } as unknown as IntraClient;
    const environment = {
      nodeId: 'self',
      store: { clock: { nowMs: () => (nowMs += 1) } } as unknown as LocalStore,
      client,
      metadata: {
        get clusterMap() {
          return map;
        },
        config: {
          values: { rebalance: { tombstone_retention_ms: 60_000 }, timeouts: { control_ms: 1000 } },
        },
      } as unknown as MetadataStore,
      log: createLogger({}, 'error', () => undefined),
    } as unknown as RebalanceEnvironment;
    const away = new DeletedWhileAway(environment, tombstones);
    const setMap = (next: ClusterMap): void => {
      away.follow(map, next);
      map = next;
    };
    const restart = async () => {
      const reopened = await Tombstones.open(localDisk, join(dir, 'tombstones.log'));
      const restarted = new DeletedWhileAway(environment, reopened);
      restarted.follow(undefined, map);
      return { away: restarted, tombstones: reopened };
    };
    await run({ away, tombstones, told, setMap, unreachable, asked, restart });
  } finally {
    // The away set is saved in the background (write, then rename): a save still running when a
    // test ends puts a file back while the directory is removed (ENOTEMPTY), so rm tries again.
    await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
  }
}

test('no tombstone while every target is in the map; one naming the target dropped', async () => {
  await withHarness(async ({ away, tombstones, setMap }) => {
    await away.beforeDelete(bucket, 'present');
    assert.equal(tombstones.size, 0);
    setMap(full.withoutNode('t1'));
    await away.beforeDelete(bucket, 'gone');
    assert.deepEqual(
      tombstones.all().map((kept) => [kept.name, kept.awayTargets]),
      [['gone', ['t1']]],
    );
    assert.ok((away.deletedAtMs(bucket, 'gone') ?? 0) > 0);
  });
});

test('a delete that then fails takes its tombstone back (and only its own)', async () => {
  await withHarness(async ({ away, tombstones, setMap }) => {
    setMap(full.withoutNode('t1'));
    const undoFirst = await away.beforeDelete(bucket, 'refused');
    await undoFirst();
    assert.equal(tombstones.size, 0, 'a refused delete leaves no tombstone');
    await away.beforeDelete(bucket, 'done');
    const doneAt = away.deletedAtMs(bucket, 'done');
    const undoLater = await away.beforeDelete(bucket, 'done');
    await undoLater();
    assert.equal(away.deletedAtMs(bucket, 'done'), doneAt, 'the earlier delete still holds');
    // Two deletes of a name in flight: the first one's failure leaves the second's tombstone.
    const undoRacing = await away.beforeDelete(bucket, 'racing');
    await away.beforeDelete(bucket, 'racing');
    const racingAt = away.deletedAtMs(bucket, 'racing');
    await undoRacing();
    assert.equal(away.deletedAtMs(bucket, 'racing'), racingAt);
  });
});

test('a decommissioned target is not away; one in maintenance is', async () => {
  await withHarness(async ({ away, tombstones, setMap }) => {
    const leaving = full.withNodeFlags('t1', NodeFlag.decommission);
    setMap(leaving);
    setMap(leaving.withoutNode('t1'));
    await away.beforeDelete(bucket, 'a');
    assert.equal(tombstones.size, 0);
    setMap(full.withoutNode('t1').withNodeFlags('t2', NodeFlag.maintenance));
    await away.beforeDelete(bucket, 'b');
    assert.deepEqual(tombstones.owedTo('t2').length, 1);
  });
});

test('the returning target is told before it counts as back; unreachable, it is told later', async () => {
  await withHarness(async ({ away, tombstones, told, setMap, unreachable }) => {
    setMap(full.withoutNode('t1'));
    await away.beforeDelete(bucket, 'x');
    setMap(full);
    await away.beforeDelete(bucket, 'after-return');
    assert.equal(tombstones.size, 1, 'no tombstone once every target is back');
    unreachable.add('http://t1');
    await away.deliver(new AbortController().signal);
    assert.equal(tombstones.owedTo('t1').length, 1, 'kept for the next rebalance');
    unreachable.clear();
    await away.deliver(new AbortController().signal);
    assert.deepEqual(told.get('http://t1'), ['ais/@#/b/x']);
    assert.equal(told.get('http://t2'), undefined, 't2 never was away');
    assert.equal(tombstones.size, 0);
  });
});

test('a restart while a target is away remembers it (before any tombstone names it)', async () => {
  await withHarness(async ({ setMap, restart }) => {
    setMap(full.withoutNode('t1'));
    // The away set is saved in the background; a restart after that finds it.
    for (let waited = 0; waited < 2_000; waited += 20) {
      const { tombstones } = await restart();
      if (tombstones.awayTargets().has('t1')) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { away, tombstones } = await restart();
    await away.beforeDelete(bucket, 'after-restart');
    assert.deepEqual(
      tombstones.all().map((kept) => [kept.name, kept.awayTargets]),
      [['after-restart', ['t1']]],
    );
    setMap(full);
    const back = await restart();
    await back.away.beforeDelete(bucket, 'all-back');
    assert.equal(back.tombstones.owedTo('t1').length, 1, 'only the delete while away');
  });
});

test('on its return a target asks every peer; one down is given up after a few tries', async () => {
  await withHarness(async ({ away, asked, unreachable, setMap }) => {
    setMap(full.withNodeFlags('t2', NodeFlag.maintenance));
    asked.set('http://t2', { tombstones: [{ uname: 'ais/@#/b/x', deleted_ms: 5 }] });
    unreachable.add('http://t1');
    const applied: string[] = [];
    const startedMs = Date.now();
    await away.askPeers((json) => {
      applied.push(...json.tombstones.map((entry) => entry.uname));
      return Promise.resolve();
    });
    assert.deepEqual(applied, ['ais/@#/b/x'], 'the peer in maintenance is asked too');
    assert.ok(Date.now() - startedMs < 5_000, 'the unreachable peer did not hold it long');
  });
});
