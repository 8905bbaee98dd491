// Unit tests for cluster-map decoding, HRW owner selection and the refresh throttle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClusterMapJson } from '../wire/index.js';
import { ClusterMapCache } from './cluster-map-cache.js';
import {
  PlacementMap,
  nodePublicUrl,
  parseClusterMap,
  parseJsonWithDigests,
} from './cluster-map.js';
import { stubNodeJson } from './stub-node.test-helper.js';

function clusterMap(
  targetIds: string[],
  version = '7',
  flags: Record<string, number> = {},
): ClusterMapJson {
  const tmap = Object.fromEntries(
    targetIds.map((id, index) => [
      id,
      stubNodeJson(id, 'target', `http://127.0.0.1:${9000 + index}`, flags[id] ?? 0),
    ]),
  );
  const proxy = stubNodeJson('p1', 'proxy', 'http://127.0.0.1:8080');
  return {
    tmap,
    pmap: { p1: proxy },
    proxy_si: proxy,
    uuid: 'cluster',
    creation_time: '',
    version,
  };
}

test('id_digest values above 2^53 stay exact; strings are untouched', () => {
  const text = '{"a":{"id_digest":13910992898381122557,"note":"\\"id_digest\\":5"},"version":"3"}';
  const parsed = parseJsonWithDigests(text) as { a: { id_digest: bigint; note: string } };
  assert.equal(parsed.a.id_digest, 13910992898381122557n);
  assert.equal(parsed.a.note, '"id_digest":5');
});

test('parseClusterMap normalises missing maps and numeric versions', () => {
  const map = parseClusterMap('{"uuid":"u","version":12,"tmap":null}');
  assert.deepEqual(map.tmap, {});
  assert.deepEqual(map.pmap, {});
  assert.equal(map.version, '12');
  assert.throws(() => parseClusterMap('{"tmap":[1]}'), /tmap/);
});

test('the owner matches AIStore test vectors (bck1/obj1..8 → E,E,E,I,A,A,E,E)', () => {
  const placement = new PlacementMap(clusterMap(['tA1b2C3d', 'tE4f5G6h', 'tI7j8K9l']));
  const owners = [1, 2, 3, 4, 5, 6, 7, 8].map(
    (index) => placement.owner({ name: 'bck1', provider: 'ais' }, `obj${index}`)?.daemon_id[1],
  );
  assert.deepEqual(owners, ['E', 'E', 'E', 'I', 'A', 'A', 'E', 'E']);
});

test('targets in maintenance are skipped; no targets gives no owner', () => {
  const map = clusterMap(['tA1b2C3d', 'tE4f5G6h', 'tI7j8K9l'], '7', { tE4f5G6h: 1 << 2 });
  const owner = new PlacementMap(map).owner({ name: 'bck1', provider: 'ais' }, 'obj1');
  assert.notEqual(owner?.daemon_id, 'tE4f5G6h');
  assert.equal(
    new PlacementMap(clusterMap([])).owner({ name: 'b', provider: 'ais' }, 'o'),
    undefined,
  );
});

test('public URL: direct_url without trailing slash, else address and port', () => {
  const node = stubNodeJson('t', 'target', 'http://10.0.0.1:9000/');
  assert.equal(nodePublicUrl(node), 'http://10.0.0.1:9000');
  node.public_net.direct_url = '';
  assert.equal(nodePublicUrl(node), 'http://10.0.0.1:9000');
});

test('refreshes are throttled, coalesced, and never go back to an older version', async () => {
  let nowMs = 0;
  let fetches = 0;
  const versions = ['5', '6', '4'];
  const cache = new ClusterMapCache(
    () => {
      fetches += 1;
      return Promise.resolve(clusterMap(['t1'], versions[fetches - 1] ?? '9'));
    },
    2000,
    () => nowMs,
  );
  const [first, second] = await Promise.all([cache.current(), cache.current()]);
  assert.equal(fetches, 1);
  assert.equal(first, second);
  await cache.refresh();
  assert.equal(fetches, 1, 'a fresh map is kept');
  nowMs = 2500;
  assert.equal((await cache.refresh()).map.version, '6');
  assert.equal((await cache.refresh({ force: true })).map.version, '6', 'version 4 is older');
  assert.equal(fetches, 3);
});
