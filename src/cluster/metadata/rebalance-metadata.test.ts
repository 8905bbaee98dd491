// Unit tests for rebalance metadata: generations, job IDs, placement changes, and persistence and
// sync through the metadata store (RMD tag, newer versions only, one-step switch with the map).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFlag, rebalanceJobId, rebalanceVersionOf } from '../../wire/index.js';
import { ClusterMap, makeClusterNode, placementDiffers } from './cluster-map.js';
import { MetadataStore } from './metadata-store.js';
import { RebalanceMetadata } from './rebalance-metadata.js';

const primary = makeClusterNode('p1', 'proxy', 'http://h:1', 'http://h:2');
const target = (id: string, flags = 0): ReturnType<typeof makeClusterNode> =>
  makeClusterNode(id, 'target', `http://${id}:1`, `http://${id}:2`, flags);

test('generations count from 1 and name their job g<N>', () => {
  const map = ClusterMap.create('uuid-1', primary).withNode(target('t1')).withNode(target('t2'));
  const first = RebalanceMetadata.next(undefined, map);
  const second = RebalanceMetadata.next(first, map);
  assert.equal(first.version, 1);
  assert.equal(second.jobId, 'g2');
  assert.deepEqual(second.toJson(), {
    version: 2,
    cluster_uuid: 'uuid-1',
    target_ids: ['t1', 't2'],
    cluster_map_version: String(map.version),
  });
  assert.deepEqual(RebalanceMetadata.fromJson(second.toJson()).toJson(), second.toJson());
  assert.equal(rebalanceJobId(7), 'g7');
  assert.equal(rebalanceVersionOf('g12'), 12);
  assert.equal(rebalanceVersionOf('abc'), undefined);
});

test('placement changes only when the set of active targets changes', () => {
  const base = ClusterMap.create('u', primary).withNode(target('t1')).withNode(target('t2'));
  assert.equal(placementDiffers(base, base.withNode(target('t3'))), true, 'join');
  assert.equal(placementDiffers(base, base.withoutNode('t2')), true, 'leave');
  const maintenance = base.withNodeFlags('t2', NodeFlag.maintenance);
  assert.equal(placementDiffers(base, maintenance), true, 'maintenance');
  assert.equal(
    placementDiffers(maintenance, maintenance.withoutNode('t2')),
    false,
    'inactive leaves',
  );
  const moved = makeClusterNode('t1', 'target', 'http://elsewhere:1', 'http://elsewhere:2');
  assert.equal(placementDiffers(base, base.withNode(moved)), false, 'a restart on new ports');
  assert.equal(
    placementDiffers(base, base.withNode(makeClusterNode('p2', 'proxy', 'a', 'b'))),
    false,
  );
});

test('the store persists RMD, accepts only newer versions, and switches it with the map', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-rmd-'));
  try {
    const store = await MetadataStore.load(dir);
    const map = ClusterMap.create('u', primary).withNode(target('t1'));
    const rmd = RebalanceMetadata.next(undefined, map);
    const seen: Array<[number | undefined, number | undefined]> = [];
    store.onChange((change) => {
      // Listeners see the new map and its rebalance together.
      seen.push([store.clusterMap?.version, store.rebalance?.version]);
      assert.ok(change.rebalance === undefined || change.rebalance.current === store.rebalance);
    });
    await store.acceptJson({ Smap: map.toJson(), RMD: rmd.toJson() });
    assert.deepEqual(seen, [[map.version, 1]]);
    assert.equal((await store.accept({ rebalance: rmd })).rebalance, undefined, 'same version');
    const reloaded = await MetadataStore.load(dir);
    assert.equal(reloaded.rebalance?.jobId, 'g1');
    assert.deepEqual(reloaded.toJson().RMD, rmd.toJson());
    await assert.rejects(
      store.accept({
        rebalance: RebalanceMetadata.fromJson({ ...rmd.toJson(), version: 5, cluster_uuid: 'x' }),
      }),
      /cluster integrity error/,
    );
    await store.forget();
    assert.equal((await MetadataStore.load(dir)).rebalance, undefined);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('waiting for a cluster map version resolves on arrival or at the deadline', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-rmd-'));
  try {
    const store = await MetadataStore.load(dir);
    const started = Date.now();
    await store.waitForClusterMap(3, 50);
    assert.ok(Date.now() - started >= 40, 'timed out');
    const map = ClusterMap.create('u', primary).withNode(target('t1')).withNode(target('t2'));
    const waiting = store.waitForClusterMap(map.version, 5000);
    await store.accept({ clusterMap: map });
    await waiting;
    await store.waitForClusterMap(1, 5000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
