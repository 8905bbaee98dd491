// Unit test of the returning target's gate: object requests (which wait for `caughtUp`) wait from
// the start until the peers' tombstones, asked right after the join, are applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterMap, makeClusterNode, type MetadataStore } from '../../cluster/index.js';
import type { JobRegistry } from '../../jobs/index.js';
import { localDisk, Tombstones, type LocalStore } from '../../storage/index.js';
import type { IntraClient } from '../../transport/index.js';
import { createLogger } from '../../util/log.js';
import type { RebalanceEnvironment } from './rebalance-environment.js';
import { RebalanceManager } from './rebalance-manager.js';
import type { RebalanceMarker } from './rebalance-marker.js';

const target = (id: string) => makeClusterNode(id, 'target', `http://${id}`, `http://${id}`, 0);
const map = ClusterMap.create('u', makeClusterNode('p', 'proxy', 'http://p', 'http://p'))
  .withNode(target('self'))
  .withNode(target('t1'));

test('object requests wait from the start until the join asked the peers and applied', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cairn-catch-up-'));
  try {
    let answer: (json: unknown) => void = () => undefined;
    const client = {
      requestJson: () => new Promise((resolve) => (answer = resolve)),
    } as unknown as IntraClient;
    const dropped: string[] = [];
    const environment = {
      nodeId: 'self',
      store: { clock: { nowMs: () => 1000 } } as unknown as LocalStore,
      client,
      metadata: {
        clusterMap: map,
        rebalance: undefined,
        bucketMetadata: { get: () => ({}) },
        onChange: () => undefined,
        config: { values: { rebalance: { tombstone_retention_ms: 60_000 } } },
      } as unknown as MetadataStore,
      marker: { progress: { completed: 0 } } as unknown as RebalanceMarker,
      log: createLogger({}, 'error', () => undefined),
      tombstones: await Tombstones.open(localDisk, join(dir, 'tombstones.log')),
      dropDeleted: (_bucket, name) => {
        dropped.push(name);
        return Promise.resolve();
      },
    } as RebalanceEnvironment;
    const manager = new RebalanceManager(environment, {} as JobRegistry);
    assert.equal(manager.isCaughtUp, true, 'nothing to wait for before the start');
    manager.start();
    assert.equal(manager.isCaughtUp, false, 'requests wait (a promise) from the start');
    let caughtUp = false;
    void manager.caughtUp().then(() => (caughtUp = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(caughtUp, false, 'waits for the join');
    manager.joined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(caughtUp, false, 'waits for the peer to answer');
    answer({ tombstones: [{ uname: 'ais/@#/b/gone', deleted_ms: 999 }] });
    await manager.caughtUp();
    assert.deepEqual(dropped, ['gone'], 'applied before requests go on');
    assert.equal(manager.isCaughtUp, true, 'then requests go on without a promise');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
