// A second Cairn cluster as a remote AIS cluster: attached by alias, its buckets addressed as
// `ais://@alias/b` (and `@uuid`, the same bucket), read cold then warm, listed, written through,
// deleted through; detached again.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '../../src/sdk/index.js';
import { EntryFlag, type BucketJson } from '../../src/wire/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';
import { errorMessage } from './remote-bucket-helpers.js';

const run = promisify(execFile);
const alias = 'far';
const bucketName = 'shared';
const remoteBucket: BucketJson = { name: bucketName, provider: 'ais' };
const viaAlias: BucketJson = { ...remoteBucket, namespace: { uuid: alias, name: '' } };

interface RemoteList {
  a: Array<{ url: string; alias: string; uuid: string; smap?: { uuid: string } }>;
  ver: number;
}

describe('remote AIS cluster: attach, ais://@alias buckets, detach', () => {
  let remote: TestCluster;
  let local: TestCluster;
  let remoteClient: Client;
  let client: Client;
  let remoteUuid: string;

  before(async () => {
    remote = await TestCluster.start({ proxies: 1, targets: 1, mountpaths: 1 });
    local = await TestCluster.start({
      proxies: 2,
      targets: 2,
      mountpaths: 1,
      config: { 'backend.request_timeout_ms': 5000 },
    });
    remoteClient = remote.client(0);
    client = local.client(0);
    remoteUuid = (await remoteClient.clusterMap({ refresh: true })).uuid;
    await remoteClient.createBucket(remoteBucket);
  });
  after(async () => {
    await local?.destroy();
    await remote?.destroy();
  });

  function attach(name: string, url: string): Promise<Response> {
    return fetch(`${local.primary.publicUrl}/v1/cluster/attach?what=remote`, {
      method: 'PUT',
      headers: { 'Ais-Remote-Ais-Alias': name, 'Ais-Remote-Ais-Url': url },
    });
  }

  async function attached(): Promise<RemoteList> {
    const response = await fetch(`${local.primary.publicUrl}/v1/cluster?what=remote`);
    assert.equal(response.status, 200, await response.clone().text());
    return (await response.json()) as RemoteList;
  }

  function objectUrl(name: string, namespace: string): string {
    const query = `provider=ais&namespace=${encodeURIComponent(namespace)}`;
    return `${local.primary.publicUrl}/v1/objects/${bucketName}/${name}?${query}`;
  }

  /** Until the cluster holds it: a client may have every byte of a cold GET before the commit. */
  async function waitCached(name: string, namespace = `@${alias}#`): Promise<void> {
    await waitFor(`${name} cached`, 20_000, async () => {
      const url = `${objectUrl(name, namespace)}&presence=1`;
      return (await fetch(url, { method: 'HEAD' })).status === 200;
    });
  }

  test('attach by alias: listed with its UUID and map; a second attach of either is refused', async () => {
    const answer = await attach(alias, remote.primary.publicUrl);
    assert.equal(answer.status, 200, await errorMessage(answer));
    const list = await attached();
    assert.equal(list.a.length, 1);
    assert.equal(list.a[0]?.alias, alias);
    assert.equal(list.a[0]?.uuid, remoteUuid);
    assert.equal(list.a[0]?.url, remote.primary.publicUrl);
    assert.equal(list.a[0]?.smap?.uuid, remoteUuid);
    const again = await attach(alias, remote.primary.publicUrl);
    assert.equal(again.status, 409);
    const twin = await attach('twin', remote.primary.publicUrl);
    assert.equal(twin.status, 409);
    assert.match(await errorMessage(twin), /already attached as "far"/);
    const badUrl = await attach('other', 'ftp://127.0.0.1:1');
    assert.equal(badUrl.status, 400);
    const down = await attach('other', 'http://127.0.0.1:9');
    assert.equal(down.status, 502);
    assert.match(await errorMessage(down), /http:\/\/127\.0\.0\.1:9/);
    assert.equal((await attached()).a.length, 1, 'refused attaches change nothing');
  });

  test('cold GET through @alias, warm after; @uuid names the same bucket', async () => {
    const body = randomBytes(2 * 1024 * 1024 + 5);
    await remoteClient.putObject(remoteBucket, 'cold', body);
    await client.createBucket(viaAlias);
    const cold = await fetch(objectUrl('cold', `@${alias}#`));
    assert.equal(cold.status, 200, await errorMessage(cold.clone()));
    assert.ok(Buffer.from(await cold.arrayBuffer()).equals(body));
    // The cluster now holds it (once committed: the client may have every byte first), asked
    // about the cluster only by the UUID form of the namespace: one bucket.
    await waitCached('cold', `@${remoteUuid}#`);
    // A warm read is local: it survives the remote's copy being replaced behind the cluster's back.
    await remoteClient.putObject(remoteBucket, 'cold', 'changed behind our back');
    const warm = await fetch(objectUrl('cold', `@${remoteUuid}#`));
    assert.ok(Buffer.from(await warm.arrayBuffer()).equals(body), 'warm GET is the cached copy');
    assert.match(warm.headers.get('ais-custom-md') ?? '', /source=ais/);
    // latest-ver compares the remote's version with the cached one and fetches the new object.
    const latest = await fetch(`${objectUrl('cold', `@${alias}#`)}&latest-ver=true`);
    assert.equal(await latest.text(), 'changed behind our back');
    assert.equal(latest.headers.get('ais-version'), '2');
    const buckets = await client.listBuckets('ais');
    const names = buckets.map((bucket) => `${bucket.namespace?.uuid ?? ''}/${bucket.name}`);
    assert.ok(names.includes(`${remoteUuid}/${bucketName}`), names.join(','));
  });

  test('listing merges the remote listing with what is cached', async () => {
    await remoteClient.putObject(remoteBucket, 'listed/a', 'a');
    await remoteClient.putObject(remoteBucket, 'listed/b', 'bb');
    await client.getObjectBytes(viaAlias, 'listed/b');
    await waitCached('listed/b');
    const entries = [];
    for await (const entry of client.listObjects(viaAlias, {
      prefix: 'listed/',
      props: 'name,size',
    }))
      entries.push(entry);
    assert.deepEqual(
      entries.map((entry) => [
        entry.name,
        entry.size,
        ((entry.flags ?? 0) & EntryFlag.isCached) !== 0,
      ]),
      [
        ['listed/a', '1', false],
        ['listed/b', '2', true],
      ],
    );
  });

  test('a bucket of the attached cluster is added on first access (unless asked not to)', async () => {
    const auto: BucketJson = { name: 'auto', provider: 'ais' };
    await remoteClient.createBucket(auto);
    await remoteClient.putObject(auto, 'first', 'added on the fly');
    const url = `${local.primary.publicUrl}/v1/objects/auto/first?provider=ais&namespace=${encodeURIComponent(`@${alias}#`)}`;
    const refused = await fetch(`${url}&dont_add_remote_bck_md=true`);
    assert.equal(refused.status, 501);
    assert.match(await errorMessage(refused), /without adding it/);
    const read = await fetch(url);
    assert.equal(read.status, 200, await errorMessage(read.clone()));
    assert.equal(await read.text(), 'added on the fly');
    const buckets = await client.listBuckets('ais');
    assert.ok(
      buckets.some((bucket) => bucket.name === 'auto' && bucket.namespace?.uuid === remoteUuid),
    );
    const missing = await fetch(url.replace('/auto/', '/not-there/'));
    assert.equal(missing.status, 404, 'a bucket the remote does not have is not added');
    assert.ok(!(await client.listBuckets('ais')).some((bucket) => bucket.name === 'not-there'));
  });

  test('CLI: ls and get with ais://@alias/bucket', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: local.primary.publicUrl };
    const listed = await run(
      process.execPath,
      [cairnEntry, 'ls', `ais://@${alias}/${bucketName}/listed/`],
      {
        env,
      },
    );
    assert.match(listed.stdout, /listed\/a/);
    assert.match(listed.stdout, /listed\/b/);
    const shown = await run(process.execPath, [cairnEntry, 'show', 'remote-cluster'], { env });
    assert.match(
      shown.stdout,
      new RegExp(`^far\\s+${remoteUuid}\\s+http://\\S+\\s+1 gateways, 1 targets$`, 'm'),
    );
    const got = await run(
      process.execPath,
      [cairnEntry, 'get', `ais://@${alias}/${bucketName}/listed/a`, '-'],
      {
        env,
      },
    );
    assert.equal(got.stdout, 'a');
  });

  test('PUT and DELETE write through to the remote cluster', async () => {
    await client.putObject(viaAlias, 'written', 'through to the remote');
    assert.equal(
      (await remoteClient.getObjectBytes(remoteBucket, 'written')).toString(),
      'through to the remote',
    );
    const local1 = await client.headObject(viaAlias, 'written');
    assert.equal(local1.present, true);
    await client.deleteObject(viaAlias, 'written');
    await assert.rejects(remoteClient.headObject(remoteBucket, 'written'), /404|does not exist/);
    const missing = await fetch(objectUrl('never-there', `@${alias}#`));
    assert.equal(missing.status, 404);
    assert.match(await errorMessage(missing), /ais:\/\/@far\/shared\/never-there does not exist/);
  });

  test('the remote cluster down: 502 naming it, nothing cached; back up, the read succeeds', async () => {
    await remoteClient.putObject(remoteBucket, 'while-down', 'served once it is back');
    const target = remote.targets[0];
    assert.ok(target !== undefined);
    await target.stop('SIGKILL');
    try {
      const down = await fetch(objectUrl('while-down', `@${alias}#`));
      assert.equal(down.status, 502);
      assert.match(
        await errorMessage(down),
        /backend ais:\/\/@far\/shared at http:\/\/127\.0\.0\.1:\d+ failed/,
      );
      const url = `${objectUrl('while-down', `@${alias}#`)}&presence=1`;
      assert.equal((await fetch(url, { method: 'HEAD' })).status, 404, 'nothing cached');
    } finally {
      await target.restart();
      await remote.waitForMembers();
    }
    await waitFor('the remote serving again', 30_000, async () => {
      const again = await fetch(objectUrl('while-down', `@${alias}#`));
      return again.status === 200 && (await again.text()) === 'served once it is back';
    });
  });

  test('detach: gone from the list; its buckets can no longer reach it', async () => {
    // The SDK's and the CLI's attach and detach (the HTTP calls are tested above), through the
    // gateway that is not the primary (which forwards them).
    const other = local.proxies[1]?.publicUrl ?? '';
    const env = { ...process.env, CAIRN_ENDPOINT: other };
    await local.client(1).cluster.detachRemote(alias);
    assert.deepEqual((await client.cluster.remoteClusters()).a, []);
    const cli = await run(
      process.execPath,
      [cairnEntry, 'cluster', 'remote-attach', alias, remote.primary.publicUrl],
      { env },
    );
    assert.equal(cli.stdout, `attached ${alias} (${remote.primary.publicUrl})\n`);
    assert.equal((await client.cluster.remoteClusters()).a[0]?.uuid, remoteUuid);
    await assert.rejects(
      run(process.execPath, [cairnEntry, 'cluster', 'remote-detach', 'nobody'], { env }),
      /remote cluster "nobody" is not attached/,
    );
    const unknown = await fetch(`${local.primary.publicUrl}/v1/cluster/detach?what=remote`, {
      method: 'PUT',
      headers: { 'Ais-Remote-Ais-Alias': 'nobody' },
    });
    assert.equal(unknown.status, 400);
    const detach = await fetch(`${local.primary.publicUrl}/v1/cluster/detach?what=remote`, {
      method: 'PUT',
      headers: { 'Ais-Remote-Ais-Alias': alias },
    });
    assert.equal(detach.status, 200, await errorMessage(detach));
    assert.deepEqual((await attached()).a, []);
    const read = await fetch(objectUrl('never-cached', `@${remoteUuid}#`));
    assert.equal(read.status, 404);
    assert.match(await errorMessage(read), /is not attached/);
  });
});
