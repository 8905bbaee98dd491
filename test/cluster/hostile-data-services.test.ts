// Hostile clients against the data services on a real cluster (1 gateway, 2 targets): a zip shard
// whose central directory points past its end, read by archpath, archregx and GetBatch; a file
// named with `..` or as a directory PUT into a shard; promote of a symbolic link inside the promote
// root that leads out of it; aborting a download whose range template names ten million links.
// Each gets a 4xx (or ends), and nothing stored is lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '../../src/sdk/index.js';
import { rawRequest, sendFollowing, type RawResponse } from '../harness/raw-http.js';
import { makeShard } from '../harness/shard-files.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const bucket = { name: 'hostile-data', provider: 'ais' };

const messageOf = (response: RawResponse): string =>
  (JSON.parse(response.body) as { message: string }).message;

/** Follows 307s with the same method, headers and body, as AIStore's clients do. */
const send = (
  base: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> =>
  sendFollowing(base, method, path, { headers, ...(body === undefined ? {} : { body }) });

/** A PUT of a small file into a shard (`archpath` in the path), with its `Ais-Pine` flags. */
const sendWithHeaders = (
  base: string,
  path: string,
  headers: Record<string, string>,
): Promise<RawResponse> => send(base, 'PUT', path, 'evil', headers);

describe('hostile clients of the data services', () => {
  let work: string;
  let promoteRoot: string;
  let cluster: TestCluster;
  let client: Client;
  let gateway: string;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'cairn-hostile-data-'));
    promoteRoot = join(work, 'promote');
    await mkdir(promoteRoot);
    cluster = await TestCluster.start({
      proxies: 1,
      targets: 2,
      mountpaths: 1,
      nodeArgs: ['--promote-root', promoteRoot],
    });
    client = cluster.client();
    gateway = cluster.primary.publicUrl;
    await client.createBucket(bucket);
  });
  after(async () => {
    await cluster?.destroy();
    await rm(work, { recursive: true, force: true });
  });

  test('a zip whose central directory lies past its end: 400 not a valid zip, never a 416', async () => {
    const zip = await readFile(makeShard(work, '.zip'));
    // The end-of-central-directory record's offset of the directory (bytes 16..19) made huge.
    const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    zip.writeUInt32LE(0x7fffffff, end + 16);
    await client.putObject(bucket, 'bad-directory.zip', zip);
    for (const query of ['archpath=a/000.cls', 'archregx=a/&archmode=prefix']) {
      const response = await send(
        gateway,
        'GET',
        `/v1/objects/${bucket.name}/bad-directory.zip?${query}`,
      );
      assert.equal(response.status, 400, query);
      assert.match(messageOf(response), /not a valid \.zip archive/, query);
    }
    const batch = await send(
      gateway,
      'GET',
      `/v1/ml/moss/${bucket.name}`,
      JSON.stringify({ in: [{ objname: 'bad-directory.zip', archpath: 'a/000.cls' }] }),
    );
    assert.equal(batch.status, 400);
    assert.match(messageOf(batch), /not a valid \.zip archive/);
    // The shard itself is untouched.
    assert.deepEqual(await client.getObjectBytes(bucket, 'bad-directory.zip'), zip);
  });

  test('PUT into a shard of a file named with ".." or as a directory: 400, the shard unchanged, none created', async () => {
    for (const format of ['.tar', '.zip'] as const) {
      const shard = await readFile(makeShard(work, format));
      await client.putObject(bucket, `kept${format}`, shard);
      for (const [name, pine] of [
        [`kept${format}`, '1'],
        [`new${format}`, '0'],
      ] as const) {
        for (const archpath of ['../evil', 'a/../../evil', 'dir/']) {
          const response = await sendWithHeaders(
            gateway,
            `/v1/objects/${bucket.name}/${name}?archpath=${encodeURIComponent(archpath)}`,
            { 'ais-pine': pine },
          );
          assert.equal(response.status, 400, `${name} ${archpath}`);
          assert.match(messageOf(response), /contains a "\.\." path segment|names a directory/);
        }
      }
      assert.deepEqual(await client.getObjectBytes(bucket, `kept${format}`), shard);
      await assert.rejects(client.headObject(bucket, `new${format}`), /does not exist/);
    }
    // A name only zip refuses (yazl: an absolute path) is answered, not a connection cut.
    const drive = await sendWithHeaders(
      gateway,
      `/v1/objects/${bucket.name}/new.zip?archpath=c:x`,
      {},
    );
    assert.equal(drive.status, 400);
    assert.match(messageOf(drive), /a zip cannot hold a file named "c:x"/);
    await assert.rejects(client.headObject(bucket, 'new.zip'), /does not exist/);
  });

  test('promote of a symbolic link in the promote root that leads out of it is refused', async () => {
    const outside = join(work, 'outside');
    await mkdir(outside);
    await writeFile(join(outside, 'secret'), 'not to be promoted');
    await symlink(join(outside, 'secret'), join(promoteRoot, 'file-link'));
    await symlink(outside, join(promoteRoot, 'dir-link'));
    for (const source of ['file-link', 'dir-link', 'dir-link/secret']) {
      const response = await rawRequest(gateway, 'POST', `/v1/objects/${bucket.name}`, {
        body: JSON.stringify({
          action: 'promote',
          name: join(promoteRoot, source),
          value: { obj: `escaped/${source}/`, rcr: true },
        }),
      });
      assert.equal(response.status, 400, source);
      assert.match(messageOf(response), /must be .* or below it/, source);
    }
    const names: string[] = [];
    for await (const entry of client.listObjects(bucket, { prefix: 'escaped/' }))
      names.push(entry.name);
    assert.deepEqual(names, []);
  });

  test('aborting a download of ten million links ends the job, counted or not', async () => {
    const id = await client.download.range(bucket, 'http://127.0.0.1:9/f-{0..9999999}.bin', {
      description: 'ten-million',
    });
    await client.download.abort(id);
    await waitFor('the aborted job to finish', 60_000, async () => {
      const status = await client.download.status(id);
      return status.aborted && status.finished_time !== '0001-01-01T00:00:00Z';
    });
    const status = await client.download.status(id);
    assert.equal(status.finished_cnt, 0);
    await client.download.remove(id);
  });
});
