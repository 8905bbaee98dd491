// Unit test of a member pulling the primary's cluster map (for a target asked to restore an object
// that its own map, not yet updated, says another target owns): a newer map is accepted, an older
// one is not, concurrent pulls share one request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntraClient } from '../../transport/index.js';
import { stringifyJson } from '../../util/json.js';
import { createLogger } from '../../util/log.js';
import type { NodeJson } from '../../wire/index.js';
import { ClusterMap, makeClusterNode } from '../metadata/cluster-map.js';
import { MetadataStore } from '../metadata/metadata-store.js';
import { ClusterMember } from './cluster-member.js';

test("refreshClusterMap accepts the primary's newer map only, one request at a time", async () => {
  let served: ClusterMap | undefined;
  let requests = 0;
  const server = createServer((req, res) => {
    requests += 1;
    assert.match(req.url ?? '', /^\/v1\/daemon\?what=smap$/);
    res.setHeader('content-type', 'application/json');
    res.end(stringifyJson(served?.toJson()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = await mkdtemp(join(tmpdir(), 'cairn-member-'));
  const client = new IntraClient({ callerId: 't1', callerName: 't1', connectionsPerPeer: 2 });
  try {
    const self = makeClusterNode('t1', 'target', 'http://t1:1', 'http://t1:2', 0);
    const stale = ClusterMap.create('u', makeClusterNode('p1', 'proxy', url, url, 0))
      .withNode(self)
      .withNode(makeClusterNode('t2', 'target', 'http://t2:1', 'http://t2:2', 0));
    const store = await MetadataStore.load(dir);
    await store.accept({ clusterMap: stale });
    const log = createLogger({}, 'error');
    const selfJson = (): NodeJson => stale.toJson().tmap.t1 as NodeJson;
    const member = new ClusterMember(store, selfJson, self, client, url, log);

    // The primary's map is no newer: nothing changes.
    served = stale;
    await member.refreshClusterMap();
    assert.equal(store.clusterMap?.version, stale.version);

    // t2 left: the primary has a newer map; two concurrent pulls make one request.
    const newer = stale.withoutNode('t2');
    served = newer;
    requests = 0;
    await Promise.all([member.refreshClusterMap(), member.refreshClusterMap()]);
    assert.equal(requests, 1);
    assert.equal(store.clusterMap?.version, newer.version);
    assert.equal(store.clusterMap?.node('t2'), undefined);
  } finally {
    await client.close();
    server.close();
    await rm(dir, { recursive: true, force: true });
  }
});
