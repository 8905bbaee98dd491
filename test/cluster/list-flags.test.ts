// Issue 12 (item 8): the list-objects flags AIStore's clients send (NoRecursion with directory
// entries deduplicated across targets and paged by continuation token, NoDirs, Cached's default
// properties, NotCached/Diff refused as AIStore refuses them on an ais bucket, NBI not built; ArchDir is
// tested with shards in shards.test.ts),
// and promote addressed as AIStore addresses it. Through raw HTTP (JSON and msgpack) and the SDK,
// on 2 gateways and 3 targets.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { decode } from '@msgpack/msgpack';
import { ApiError, ListFlag, type Client, type ListEntryJson } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { rawRequest, type RawResponse } from '../harness/raw-http.js';
import { TestCluster } from '../harness/test-cluster.js';

const bucket = { name: 'lf', provider: 'ais' };
const noRecursion = String(ListFlag.noRecursion);

/** Spread over the targets so that every directory is on several of them. */
const names = [
  'top1',
  'top2',
  ...Array.from({ length: 12 }, (_, i) => `d1/sub/x${i}`),
  ...Array.from({ length: 9 }, (_, i) => `d1/sub2/deeper/y${i}`),
  'd1/a',
  'd1/b',
  ...Array.from({ length: 8 }, (_, i) => `d10/r${i}`),
  ...Array.from({ length: 8 }, (_, i) => `d2/q${i}`),
  ...Array.from({ length: 6 }, (_, i) => `zz/deep/er/x${i}`),
];

function messageOf(response: RawResponse): string {
  return (JSON.parse(response.body) as { message: string }).message;
}

describe('list flags and promote addressing (issue 12)', () => {
  let cluster: TestCluster;
  let client: Client;
  let gateways: string[];

  const list = (base: string, value: object, accept = 'application/json'): Promise<RawResponse> =>
    rawRequest(base, 'GET', '/v1/buckets/lf?provider=ais', {
      body: JSON.stringify({ action: 'list', name: '', value }),
      headers: { 'content-type': 'application/json', accept },
    });

  /** Every page of a listing through alternating gateways, checking each page's token. */
  async function listAll(
    value: Record<string, unknown>,
    pagesize: number,
  ): Promise<ListEntryJson[]> {
    const entries: ListEntryJson[] = [];
    let token = '';
    let uuid = '';
    for (let page = 0; page < 200; page += 1) {
      const base = gateways[page % 2] ?? '';
      const response = await list(base, { ...value, pagesize, uuid, continuation_token: token });
      assert.equal(response.status, 200, response.body);
      const body = JSON.parse(response.body) as {
        uuid: string;
        continuation_token: string;
        entries: ListEntryJson[];
      };
      assert.ok(body.entries.length <= pagesize);
      entries.push(...body.entries);
      if (body.continuation_token === '') return entries;
      assert.equal(
        body.continuation_token,
        body.entries.at(-1)?.name,
        'the token is the last name',
      );
      token = body.continuation_token;
      uuid = body.uuid;
    }
    throw new Error('listing did not end in 200 pages');
  }

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 2, targets: 3, mountpaths: 1 },
      bucket,
    ));
    gateways = cluster.proxies.map((proxy) => proxy.publicUrl);
    await Promise.all(names.map((name) => client.putObject(bucket, name, Buffer.from(name))));
  });
  after(() => cluster?.destroy());

  test('NoRecursion: objects under the prefix and directories one level down, flags 256', async () => {
    const directory = (name: string): ListEntryJson => ({ name, flags: 256 });
    const object = (name: string): ListEntryJson => ({
      name,
      flags: 64,
      size: String(Buffer.byteLength(name)),
    });
    const top = [
      directory('d1/'),
      directory('d10/'),
      directory('d2/'),
      object('top1'),
      object('top2'),
      directory('zz/'),
    ];
    const underD1 = [object('d1/a'), object('d1/b'), directory('d1/sub/'), directory('d1/sub2/')];
    const cases: Array<[string, ListEntryJson[]]> = [
      ['', top],
      ['/', top],
      ['d1/', underD1],
      // As AIStore: without a slash, the directory of that name is entered and siblings listed.
      ['d1', [...underD1, directory('d10/')]],
      ['d1/sub2/', [directory('d1/sub2/deeper/')]],
      ['zz/deep/er/', Array.from({ length: 6 }, (_, i) => object(`zz/deep/er/x${i}`))],
      ['nothing/', []],
    ];
    for (const [prefix, expected] of cases) {
      for (const pagesize of [1, 2, 3, 0]) {
        const listed = await listAll(
          { prefix, flags: noRecursion },
          pagesize === 0 ? 1000 : pagesize,
        );
        assert.deepEqual(listed, expected, `prefix "${prefix}" pagesize ${pagesize}`);
      }
    }
    // A token that is a directory resumes after everything under it (a fresh listing: no uuid).
    const resumed = await list(gateways[1] ?? '', {
      prefix: '',
      flags: noRecursion,
      continuation_token: 'd1/',
    });
    assert.deepEqual(
      (JSON.parse(resumed.body) as { entries: ListEntryJson[] }).entries.map((e) => e.name),
      ['d10/', 'd2/', 'top1', 'top2', 'zz/'],
    );
  });

  test('NoRecursion: a name sorting past `dir/\\uffff` rolls up once, and every page ends', async () => {
    const odd = { name: 'lf-ffff', provider: 'ais' };
    await client.createBucket(odd);
    for (const name of ['dir/a', 'dir/\uffffz', 'dir/\uffff\uffffy', 'e'])
      await client.putObject(odd, name, Buffer.from('x'));
    for (const pagesize of [1, 2, 1000]) {
      const listed: string[] = [];
      let token = '';
      for (let page = 0; page < 10; page += 1) {
        const response = await rawRequest(
          gateways[0] ?? '',
          'GET',
          '/v1/buckets/lf-ffff?provider=ais',
          {
            body: JSON.stringify({
              action: 'list',
              name: '',
              value: { flags: noRecursion, pagesize, continuation_token: token },
            }),
            headers: { 'content-type': 'application/json' },
          },
        );
        assert.equal(response.status, 200, response.body);
        const body = JSON.parse(response.body) as {
          continuation_token: string;
          entries: ListEntryJson[];
        };
        listed.push(...body.entries.map((entry) => entry.name));
        token = body.continuation_token;
        if (token === '') break;
      }
      assert.deepEqual(listed, ['dir/', 'e'], `pagesize ${pagesize}`);
    }
  });

  test('NoRecursion in msgpack: a directory is {n, f: 256} and nothing else', async () => {
    const response = await list(
      gateways[0] ?? '',
      { prefix: 'd1/', flags: noRecursion },
      'application/msgpack',
    );
    assert.equal(response.status, 200);
    assert.match(String(response.headers['content-type']), /msgpack/);
    const page = decode(response.bytes) as { Entries: Array<Record<string, unknown>> };
    assert.deepEqual(page.Entries, [
      { n: 'd1/a', s: 4, f: 64 },
      { n: 'd1/b', s: 4, f: 64 },
      { n: 'd1/sub/', f: 256 },
      { n: 'd1/sub2/', f: 256 },
    ]);
  });

  test('NoDirs: with NoRecursion only the objects; alone the recursive listing as it was', async () => {
    const flags = String(ListFlag.noRecursion | ListFlag.noDirs);
    for (const pagesize of [1, 2, 1000]) {
      const top = await listAll({ prefix: '', flags }, pagesize);
      assert.deepEqual(
        top.map((entry) => entry.name),
        ['top1', 'top2'],
      );
      const d1 = await listAll({ prefix: 'd1/', flags }, pagesize);
      assert.deepEqual(
        d1.map((entry) => entry.name),
        ['d1/a', 'd1/b'],
      );
    }
    const all = await listAll({ flags: String(ListFlag.noDirs) }, 7);
    assert.deepEqual(
      all.map((entry) => entry.name),
      [...names].sort(),
    );
  });

  test('Cached lists every object of an ais bucket with its defaults; Missing and Deleted change nothing', async () => {
    const cached = await listAll({ prefix: 'd2/', flags: String(ListFlag.cached) }, 1000);
    assert.equal(cached.length, 8);
    for (const entry of cached) {
      assert.deepEqual(Object.keys(entry).sort(), ['atime', 'checksum', 'flags', 'name', 'size']);
      assert.equal(entry.flags, 64);
    }
    const plain = await listAll({ prefix: 'd2/' }, 1000);
    for (const flag of [ListFlag.missing, ListFlag.deleted, ListFlag.bucketPresent]) {
      assert.deepEqual(await listAll({ prefix: 'd2/', flags: String(flag) }, 1000), plain);
    }
  });

  test('NotCached and Diff are 400 with AIStore messages; NBI is 501 naming it; bad flags 400', async () => {
    const gateway = gateways[0] ?? '';
    const notCached = await list(gateway, { flags: String(ListFlag.notCached) });
    assert.equal(notCached.status, 400);
    assert.equal(
      messageOf(notCached),
      "ais://lf is not a remote bucket - cannot list 'not cached' objects",
    );
    const diff = await list(gateway, { flags: String(ListFlag.diff), props: 'name,custom' });
    assert.equal(diff.status, 400);
    assert.match(
      messageOf(diff),
      /^cannot perform remote versions check .*ais:\/\/lf does not provide remote versioning info$/,
    );
    const nbi = await list(gateway, { flags: String(ListFlag.nativeInventory) });
    assert.equal(nbi.status, 501);
    assert.match(messageOf(nbi), /NBI/);
    const bad = await list(gateway, { flags: 'many' });
    assert.equal(bad.status, 400);
    assert.match(messageOf(bad), /invalid list flags "many"/);
  });

  test('a target answers its gateway in columns; the pages are what JSON gives', async () => {
    const columnsType = 'application/vnd.cairn.list-columns+json';
    for (const value of [{}, { props: 'name' }, { flags: noRecursion }]) {
      for (const target of cluster.targets) {
        const url = target.ready?.intraUrl ?? '';
        const asJson = await list(url, value);
        const inColumns = await list(url, value, columnsType);
        assert.equal(inColumns.status, 200, inColumns.body);
        const columns = JSON.parse(inColumns.body) as {
          names: string[];
          entryFlags: number[];
          sizes: Array<string | null>;
        };
        const entries = (JSON.parse(asJson.body) as { entries: ListEntryJson[] }).entries;
        assert.ok(entries.length > 0);
        assert.deepEqual(
          columns.names,
          entries.map((entry) => entry.name),
        );
        assert.deepEqual(
          columns.entryFlags,
          entries.map((entry) => entry.flags),
        );
        assert.deepEqual(
          columns.sizes,
          entries.map((entry) => entry.size ?? null),
        );
      }
      // The gateway rebuilds each entry's keys in the order a target makes them.
      const page = await list(gateways[0] ?? '', value);
      const { entries } = JSON.parse(page.body) as { entries: ListEntryJson[] };
      for (const entry of entries) {
        const keys = entry.size === undefined ? ['name', 'flags'] : ['name', 'flags', 'size'];
        assert.deepEqual(Object.keys(entry), keys);
      }
    }
    // Entries with more than name, flags and size stay objects.
    const target = cluster.targets[0]?.ready?.intraUrl ?? '';
    const withAtime = await list(target, { props: 'name,atime' }, columnsType);
    assert.ok('entries' in (JSON.parse(withAtime.body) as object), withAtime.body.slice(0, 200));
  });

  test('SDK: listObjects with NoRecursion pages through directories', async () => {
    const listed: string[] = [];
    for await (const entry of client.listObjects(bucket, {
      prefix: 'd1',
      flags: noRecursion,
      pagesize: 2,
    }))
      listed.push(entry.name);
    assert.deepEqual(listed, ['d1/a', 'd1/b', 'd1/sub/', 'd1/sub2/', 'd10/']);
  });

  test('CLI: cairn ls --no-recursion [--no-dirs]', async () => {
    const env = { ...process.env, CAIRN_ENDPOINT: gateways[1] ?? '' };
    const ls = async (...args: string[]): Promise<string> =>
      (await promisify(execFile)(process.execPath, [cairnEntry, 'ls', ...args], { env })).stdout;
    assert.equal(
      await ls('ais://lf/d1/', '--no-recursion', '--page-size', '1'),
      [
        'NAME      SIZE',
        'd1/a        4B',
        'd1/b        4B',
        'd1/sub/      -',
        'd1/sub2/     -',
        '',
      ].join('\n'),
    );
    assert.equal(
      await ls('ais://lf', '--no-recursion', '--no-dirs'),
      'NAME  SIZE\ntop1    4B\ntop2    4B\n',
    );
  });

  test('promote: the source in the action name, checked as AIStore checks it', async () => {
    const outsideRoot =
      /^promoted source "\/data\/x" must be \/var\/lib\/cairn\/promote or below it$/;
    const promote = (base: string, body: object, path = '/v1/objects/lf'): Promise<RawResponse> =>
      rawRequest(base, 'POST', path, {
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
      });
    const targetId = cluster.targets[0]?.id ?? '';
    // What AIStore's Python SDK sends (`Object.promote` → PromoteAPIArgs).
    const python = {
      action: 'promote',
      name: '/var/lib/cairn/promote/set',
      value: {
        tid: targetId,
        src: '/var/lib/cairn/promote/set',
        obj: 'p/',
        rcr: true,
        ovw: false,
        dls: false,
        notshr: false,
      },
    };
    const cases: Array<[object, number, RegExp, string?]> = [
      // Checked, then run by a gateway (the source is missing here); a target sends it to one.
      [python, 400, /cannot read "\/var\/lib\/cairn\/promote\/set"|send it to a gateway/],
      [{ action: 'promote', name: '/data/x', value: { OBJ: 'o', RCR: true } }, 400, outsideRoot],
      [{ action: 'promote', name: '/data/x', value: null }, 400, outsideRoot],
      [{ action: 'promote', name: '', value: { src: '/data/x' } }, 400, outsideRoot],
      [{ action: 'promote', name: '', value: null }, 400, /^promoted source pathname is empty$/],
      [
        { action: 'promote', name: 'data/x' },
        400,
        /^promoted source must be an absolute path \(got "data\/x"\)$/,
      ],
      [{ action: 'promote', name: '/data/../etc' }, 400, /must not contain/],
      [{ action: 'promote', name: '/data/x', value: { src: '/data/y' } }, 400, /differs/],
      [
        { action: 'promote', name: '/data/x', value: { recursive: true } },
        400,
        /unknown field "recursive"/,
      ],
      [
        { action: 'promote', name: '/data/x', value: { rcr: 'yes' } },
        400,
        /"rcr" must be a boolean/,
      ],
      [{ action: 'promote', name: '/data/x', value: { tid: 'nosuch' } }, 404, /nosuch not present/],
      [{ action: 'promote', name: '/data/x' }, 404, /does not exist/, '/v1/objects/nosuch'],
    ];
    for (const base of [...gateways, cluster.targets[1]?.publicUrl ?? '']) {
      for (const [body, status, message, path] of cases) {
        const response = await promote(base, body, path);
        const label = `${base} ${JSON.stringify(body)}: ${response.status} ${response.body}`;
        assert.equal(response.status, status, label);
        assert.match(messageOf(response), message, label);
      }
    }
    await assert.rejects(
      client.promote(bucket, '/var/lib/cairn/promote/set', { obj: 'p/', rcr: true }),
      (error: unknown) =>
        error instanceof ApiError && error.status === 400 && /cannot read/.test(error.detail),
    );
    await assert.rejects(
      client.promote(bucket, 'relative'),
      (error: unknown) => error instanceof ApiError && error.status === 400,
    );
    // Nothing was written.
    const listed: string[] = [];
    for await (const entry of client.listObjects(bucket, { prefix: 'p/' })) listed.push(entry.name);
    assert.deepEqual(listed, []);
  });
});
