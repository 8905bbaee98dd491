// Unit tests for node lifecycle transitions and election candidates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isStoreError } from '../../errors/index.js';
import { NodeFlag } from '../../wire/index.js';
import { electionCandidates, votesNeeded } from '../election/candidates.js';
import { ClusterMap, makeClusterNode } from '../metadata/cluster-map.js';
import {
  decommissionedNodes,
  withDecommission,
  withMaintenance,
  withoutMaintenance,
  withoutMember,
} from './node-lifecycle.js';

const node = (
  id: string,
  role: 'proxy' | 'target',
  flags = 0,
): ReturnType<typeof makeClusterNode> =>
  makeClusterNode(id, role, `http://${id}:1`, `http://${id}:2`, flags);

function cluster(): ClusterMap {
  return ClusterMap.create('u', node('p1', 'proxy'))
    .withNode(node('p2', 'proxy'))
    .withNode(node('p3', 'proxy'))
    .withNode(node('t1', 'target'))
    .withNode(node('t2', 'target'));
}

const code = (expected: string) => (error: unknown) =>
  isStoreError(error) && error.code === expected;

test('maintenance on and off; decommission; removal', () => {
  const map = cluster();
  const away = withMaintenance(map, 't1', 'p1');
  assert.equal(away.version, map.version + 1);
  assert.equal(away.activeTargets().length, 1);
  assert.equal(withMaintenance(away, 't1', 'p1'), away, 'already in maintenance: no change');
  const back = withoutMaintenance(away, 't1', 'p1');
  assert.equal(back.node('t1')?.flags, 0);
  assert.throws(() => withoutMaintenance(map, 't1', 'p1'), code('BadRequest'));
  const leaving = withDecommission(map, 't2', 'p1');
  assert.deepEqual(
    decommissionedNodes(leaving).map((item) => item.id),
    ['t2'],
  );
  assert.throws(() => withMaintenance(leaving, 't2', 'p1'), code('Conflict'));
  assert.equal(withoutMember(leaving, 't2', 'p1').node('t2'), undefined);
  assert.throws(() => withMaintenance(map, 'nope', 'p1'), code('NodeNotFound'));
  assert.throws(() => withDecommission(map, 'p1', 'p1'), code('BadRequest'), 'not the primary');
});

test('election candidates: highest raw digest first, never the failed primary or ineligible ones', () => {
  const map = cluster()
    .withNode(node('p4', 'proxy', NodeFlag.nonElectable))
    .withNode(node('p5', 'proxy', NodeFlag.maintenance));
  const candidates = electionCandidates(map, 'p1');
  const ids = candidates.map((candidate) => candidate.id);
  assert.deepEqual(new Set(ids), new Set(['p2', 'p3']));
  const [first, second] = candidates;
  assert.ok(first !== undefined && second !== undefined && first.digest > second.digest);
  assert.equal(votesNeeded(map), 3, 'a strict majority of the 5 gateways');
  assert.equal(votesNeeded(cluster()), 2);
});
