// The web console (`/console` on every gateway) on a real cluster (2 gateways, 2 targets) after a
// known workload: over plain HTTP (content types, read-only, unknown paths 404 and never 500), and
// its pages driven by Debian's headless Chromium through playwright-core: no console errors, the
// cluster map shows every node and disk, the bucket list the workload's object count, the bucket
// its objects, the jobs view a copy started from the CLI as finished, the performance view its
// tables and charts, a node's log its lines. A screenshot per page goes to the test's temp dir.
// Last, with auth on (a `cairn authn` service): 401 without a token, the page asks for one, and the
// admin actions (refused while auth is off) put a target in maintenance and back, then the page's
// buttons stop a job started from the CLI, put the target in maintenance and back, and
// decommission it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { Client } from '../../src/sdk/index.js';
import { AuthnProcess, authnAdminPassword } from '../harness/authn-process.js';
import { cairnEntry } from '../harness/node-process.js';
import { TestCluster } from '../harness/test-cluster.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);
const chromiumPath = '/usr/bin/chromium';
const bucket = { name: 'shown', provider: 'ais' };
const objects = 7;
const objectBytes = 1000;
const authSecret = 'console-test-secret-0123456789';

/** A request as written (no URL normalisation), for paths a fetch would rewrite. */
function rawGet(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const outgoing = request({ hostname, port, path, method: 'GET' }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('web console', () => {
  let cluster: TestCluster;
  let client: Client;
  let consoleUrl = '';
  let jobId = '';
  let cli: (...args: string[]) => Promise<string>;
  let authn: AuthnProcess | undefined;
  let authnDir = '';

  before(async () => {
    cluster = await TestCluster.start({ proxies: 2, targets: 2, mountpaths: 1 });
    client = cluster.client(0);
    await client.createBucket(bucket);
    for (let index = 0; index < objects; index += 1)
      await client.putObject(bucket, `object-${index}`, Buffer.alloc(objectBytes, index));
    const env = { ...process.env, CAIRN_ENDPOINT: cluster.primary.publicUrl };
    cli = async (...args) =>
      (await run(process.execPath, [cairnEntry, ...args], { env, timeout: 60_000 })).stdout;
    jobId = (await cli('cp', 'ais://shown', 'ais://shown-copy')).trim().split('\n')[0] ?? '';
    await client.jobs.wait(jobId, { timeoutMs: 60_000 });
    // Every gateway serves it: the pages are read from the non-primary one.
    const other = cluster.proxies.find((proxy) => proxy !== cluster.primary) ?? cluster.primary;
    consoleUrl = `${other.publicUrl}/console/`;
  });

  after(async () => {
    authn?.stop();
    await cluster?.destroy();
    if (authnDir !== '') await rm(authnDir, { recursive: true, force: true });
  });

  test('HTTP: page, modules, style and chart library with their types; read-only; unknown paths 404', async () => {
    const base = consoleUrl.slice(0, -'/console/'.length);
    const bare = await fetch(`${base}/console`, { redirect: 'manual' });
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get('location'), '/console/');
    const expected: [string, RegExp][] = [
      ['', /^text\/html/],
      ['console-app.js', /^text\/javascript/],
      ['views.js', /^text\/javascript/],
      ['console.css', /^text\/css/],
      ['uplot.js', /^text\/javascript/],
      ['uplot.css', /^text\/css/],
      ['api/cluster', /^application\/json/],
    ];
    for (const [path, type] of expected) {
      const response = await fetch(`${consoleUrl}${path}`);
      assert.equal(response.status, 200, path);
      assert.match(response.headers.get('content-type') ?? '', type, path);
      assert.ok((await response.text()).length > 0, path);
    }
    for (const path of ['nope.js', 'api/nope', 'Console-App.js', 'web/console-app.js'])
      assert.equal((await fetch(`${consoleUrl}${path}`)).status, 404, path);
    for (const path of [
      '/console/../package.json',
      '/console/..%2f..%2fpackage.json',
      '/console/%00',
    ])
      assert.equal(await rawGet(base, path), 404, path);
    assert.equal((await fetch(`${consoleUrl}api/objects`)).status, 400);
    assert.equal((await fetch(`${consoleUrl}api/objects?bucket=ais://absent`)).status, 404);
    assert.equal((await fetch(`${consoleUrl}api/log?node=nobody`)).status, 404);
    assert.equal((await fetch(consoleUrl, { method: 'POST' })).status, 405);
    // Without auth on the cluster the console is read-only, whatever the caller sends.
    const action = await fetch(`${consoleUrl}api/jobs/stop?id=${jobId}`, {
      method: 'POST',
      headers: { authorization: 'Bearer anything' },
    });
    assert.equal(action.status, 403);
  });

  test('Chromium: every page loads without errors and shows the cluster, bucket, objects and job', async (t) => {
    if (!existsSync(chromiumPath)) {
      t.skip(`${chromiumPath} is missing (scripts/test-deps.sh chromium installs it)`);
      return;
    }
    const shots = await mkdtemp(join(tmpdir(), 'cairn-console-'));
    t.diagnostic(`screenshots in ${shots} (removed when the test passes)`);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(error.message));
      const open = async (hash: string, selector: string): Promise<void> => {
        await page.goto(`${consoleUrl}#${hash}`);
        await page.waitForSelector(selector);
        await page.screenshot({ path: join(shots, `${hash.replace(/\W+/g, '-')}.png`) });
      };

      await open('cluster', '#nodes');
      const nodeRows = await rows(page, '#nodes');
      for (const node of cluster.nodes) {
        const row = nodeRows.find((cells) => cells[0] === node.id);
        assert.ok(row !== undefined, `node ${node.id} listed`);
        assert.equal(row[3], 'online');
      }
      const primaryRow = nodeRows.find((cells) => cells[0] === cluster.primary.id);
      assert.equal(primaryRow?.[1], 'proxy (primary)');
      const diskRows = await rows(page, '#disks');
      assert.deepEqual(
        diskRows.map((cells) => cells[0]).sort(),
        cluster.targets.map((node) => node.id).sort(),
      );
      assert.equal(await page.locator('#disks .bar').count(), cluster.targets.length);

      await open('buckets', '#buckets');
      const bucketRow = (await rows(page, '#buckets')).find((cells) => cells[0] === 'ais://shown');
      // `ls --summary`'s cells: name, objects, their size, on disk, use %.
      assert.deepEqual(bucketRow?.slice(0, 3), ['ais://shown', String(objects), '6.84KiB']);
      const cliRow = (await cli('ls', '--summary'))
        .split('\n')
        .find((line) => line.startsWith('ais://shown '));
      assert.deepEqual(bucketRow, cliRow?.trim().split(/\s{2,}/));

      await page.click('#buckets a:text-is("ais://shown")');
      await page.waitForSelector('#objects');
      const objectRows = await rows(page, '#objects');
      assert.deepEqual(
        objectRows.map((cells) => cells[0]).sort(),
        Array.from({ length: objects }, (_, index) => `object-${index}`).sort(),
      );
      assert.ok(objectRows.every((cells) => cells[1] === '1000B'));
      await page.screenshot({ path: join(shots, 'bucket.png') });

      await open('jobs', '#jobs');
      const jobRow = (await rows(page, '#jobs')).find((cells) => cells[0] === jobId);
      assert.equal(jobRow?.[1], 'copy-bck');
      assert.equal(jobRow?.[2], 'finished');
      assert.equal(jobRow?.[5], '2/2');
      assert.ok((await page.locator('#jobs .bar.finished').count()) >= 1, 'a full progress bar');

      // The first answer has no interval yet; the table comes with the next refresh.
      await open('performance', '#throughput');
      assert.equal(await page.locator('#requests-chart canvas').count(), 1);
      const throughputTargets = (await rows(page, '#throughput')).map((cells) => cells[0]).sort();
      assert.deepEqual(throughputTargets, cluster.targets.map((node) => node.id).sort());

      const target = cluster.targets[0]?.id ?? '';
      await open(`log/${target}`, 'pre.log');
      assert.ok((await page.locator('pre.log').innerText()).includes(target));

      assert.deepEqual(errors, []);
      // Kept only for a failure to look at.
      await rm(shots, { recursive: true, force: true });
    } finally {
      await browser?.close();
    }
  });

  // Last: it turns auth on for the rest of the cluster's life.
  test('auth on: every view needs a token; with one, the admin actions (maintenance, activate, stop a job, decommission)', async (t) => {
    authnDir = await mkdtemp(join(tmpdir(), 'cairn-console-authn-'));
    authn = await AuthnProcess.start(authnDir, authSecret);
    await cluster.setConfig({ 'auth.enabled': true, 'auth.secret': authSecret });
    await waitFor('the console needs a token', 30_000, async () => {
      const response = await fetch(`${consoleUrl}api/cluster`);
      await response.arrayBuffer();
      return response.status === 401;
    });
    const token = await authn.login('admin', authnAdminPassword);
    const bearer = { authorization: `Bearer ${token}` };
    assert.equal((await fetch(`${consoleUrl}api/jobs`, { headers: bearer })).status, 200);
    // The static files carry no data.
    assert.equal((await fetch(`${consoleUrl}console-app.js`)).status, 200);

    const target = cluster.targets[1]?.id ?? '';
    const act = (name: string, headers: Record<string, string> = bearer): Promise<Response> =>
      fetch(`${consoleUrl}api/nodes/${name}?node=${target}`, { method: 'POST', headers });
    assert.equal((await act('maintenance', {})).status, 401);
    assert.equal((await act('maintenance')).status, 200);
    const stateOf = async (): Promise<string | undefined> => {
      const answer = (await (
        await fetch(`${consoleUrl}api/cluster`, { headers: bearer })
      ).json()) as {
        nodes: { rows: string[][] };
      };
      return answer.nodes.rows.find((row) => row[0] === target)?.[3];
    };
    await waitFor(
      'the target in maintenance',
      30_000,
      async () => (await stateOf()) === 'maintenance',
    );
    assert.equal((await act('activate')).status, 200);
    await waitFor('the target back online', 30_000, async () => (await stateOf()) === 'online');

    if (!existsSync(chromiumPath)) {
      t.skip(`${chromiumPath} is missing (scripts/test-deps.sh chromium installs it)`);
      return;
    }
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
      const page = await browser.newPage();
      await page.goto(`${consoleUrl}#cluster`);
      await page.waitForSelector('#status.error');
      assert.match(await page.locator('#status').innerText(), /requires a token/);
      await page.fill('#token', token);
      await page.click('#token-form button');
      await page.waitForSelector('#nodes');
      const rowOf = async (table: string, match: (cells: string[]) => boolean) =>
        (await rows(page, table)).find(match);
      const targetRow = await rowOf('#nodes', (cells) => cells[0] === target);
      assert.match(targetRow?.at(-1) ?? '', /Maintenance/);
      // The primary gets no buttons: it cannot be put in maintenance or decommissioned from here.
      const primaryRow = await rowOf('#nodes', (cells) => cells[0] === cluster.primary.id);
      assert.equal(primaryRow?.length, targetRow?.length);
      assert.equal(primaryRow?.at(-1), '');

      // A job started from the CLI, stopped with its button: a template of ten million absent names
      // (the most one may name) keeps it running until then.
      const env = {
        ...process.env,
        CAIRN_ENDPOINT: cluster.primary.publicUrl,
        CAIRN_AUTHN_TOKEN: token,
      };
      const removal = spawn(
        process.execPath,
        [cairnEntry, 'rmo', 'ais://shown', '--template', 'absent-{0000000..9999999}'],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let printed = '';
      let complaint = '';
      removal.stdout.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      removal.stderr.on('data', (chunk: Buffer) => (complaint += chunk.toString()));
      try {
        await waitFor('the CLI to print the job ID', 30_000, () => {
          if (removal.exitCode !== null) throw new Error(`cairn rmo: ${complaint}`);
          return Promise.resolve(printed.includes('\n'));
        });
        const jobOf = (id: string) => rowOf('#jobs', (cells) => cells[0] === id);
        const removalId = printed.split('\n')[0] ?? '';
        await page.goto(`${consoleUrl}#jobs`);
        await waitFor('the CLI job running in the jobs view', 30_000, async () => {
          await page.waitForSelector('#jobs');
          const row = await jobOf(removalId);
          return row?.[1] === 'delete-listrange' && row[2] === 'running';
        });
        await page
          .locator('#jobs tbody tr', { hasText: removalId })
          .getByRole('button', { name: 'Stop' })
          .click();
        await waitFor(
          'the job aborted',
          30_000,
          async () => (await jobOf(removalId))?.[2] === 'aborted',
        );
        assert.match(
          await page.locator('#status').innerText(),
          new RegExp(`job ${removalId} to stop`),
        );
        // The CLI that waited for the job ends with it.
        await waitFor('the CLI to end', 30_000, () => Promise.resolve(removal.exitCode !== null));
      } finally {
        if (removal.exitCode === null) removal.kill();
      }

      // Maintenance and back with the buttons, then decommission (confirmed in the dialog).
      await page.goto(`${consoleUrl}#cluster`);
      await page.waitForSelector('#nodes');
      const nodeButton = (name: string) =>
        page.locator('#nodes tbody tr', { hasText: target }).getByRole('button', { name });
      await nodeButton('Maintenance').click();
      await waitFor(
        'the target in maintenance',
        30_000,
        async () => (await stateOf()) === 'maintenance',
      );
      await nodeButton('Activate').click();
      await waitFor('the target back online', 30_000, async () => (await stateOf()) === 'online');
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.accept();
      });
      await nodeButton('Decommission').click();
      await waitFor(
        'the target gone from the map',
        60_000,
        async () => (await stateOf()) === undefined,
      );
      assert.equal(dialogs.length, 1);
      assert.match(dialogs[0] ?? '', new RegExp(`Decommission ${target}`));
    } finally {
      await browser?.close();
    }
  });
});

/** The cells of a table's body rows (a row's inner text has its cells tab-separated). */
async function rows(page: Page, table: string): Promise<string[][]> {
  const texts = await page.locator(`${table} tbody tr`).allInnerTexts();
  return texts.map((text) => text.split('\t').map((cell) => cell.trim()));
}
