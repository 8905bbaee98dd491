// Playground supervision with real processes: a node killed by SIGKILL or crashing on an uncaught
// exception comes back (same ID, healthy, in the cluster map) after a back-off that doubles, with
// its stack and the supervisor's line in its log; a node that exits with 0 stays down; and
// `playground stop` during a pending restart leaves nothing running.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '../../src/sdk/index.js';
import { cairnEntry } from '../harness/node-process.js';
import { freeBasePort } from '../harness/ports.js';
import { waitFor } from '../harness/wait.js';

const run = promisify(execFile);

// Loaded into every node with --import: a file `crash-now` in the node's directory (its working
// directory) makes it throw an uncaught exception, as a bug would.
const crashHook = `import { existsSync, unlinkSync } from 'node:fs';
setInterval(() => {
  if (existsSync('crash-now')) {
    unlinkSync('crash-now');
    throw new Error('injected crash for the supervision test');
  }
}, 100).unref();
`;

interface Recorded {
  supervisorPid: number | null;
  nodes: Array<{ name: string; pid: number | null; publicUrl: string; restarts?: number }>;
}

/** PIDs of live processes whose command line mentions `text` (bounded by /proc's entries). */
function processesMentioning(text: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(text)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

describe('playground supervision', () => {
  let scratch = '';
  let dir = '';
  const cairn = async (...args: string[]): Promise<string> =>
    (await run(process.execPath, [cairnEntry, ...args], { timeout: 120_000 })).stdout;
  const record = async (): Promise<Recorded> =>
    JSON.parse(await readFile(join(dir, 'playground.json'), 'utf8')) as Recorded;
  const node = async (name: string): Promise<Recorded['nodes'][number]> => {
    const found = (await record()).nodes.find((candidate) => candidate.name === name);
    assert.ok(found !== undefined, `${name} is recorded`);
    return found;
  };
  const log = (path: string): Promise<string> => readFile(join(dir, path), 'utf8');

  /** Waits until `name` runs as a process other than `oldPid` and answers /v1/health. */
  const waitRestarted = async (name: string, oldPid: number): Promise<number> => {
    let pid = 0;
    await waitFor(`${name} to be restarted and healthy`, 60_000, async () => {
      const current = await node(name);
      if (current.pid === null || current.pid === oldPid) return false;
      pid = current.pid;
      const client = new Client(current.publicUrl, { timeoutMs: 2_000 });
      try {
        await client.health();
        return true;
      } finally {
        await client.close();
      }
    });
    return pid;
  };

  before(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'cairn-supervision-'));
    dir = join(scratch, 'pg');
    const hook = join(scratch, 'crash-hook.mjs');
    await writeFile(hook, crashHook);
    const port = await freeBasePort(4);
    await cairn(
      ...['playground', 'start', '--dir', dir, '--port', String(port)],
      ...[
        '--targets',
        '2',
        '--mountpaths',
        '1',
        '--node-options',
        `--import=${pathToFileURL(hook).href}`,
      ],
    );
  });
  after(async () => {
    if (scratch === '') return;
    await run(process.execPath, [cairnEntry, 'playground', 'stop', '--dir', dir], {
      timeout: 60_000,
    }).catch(() => undefined);
    // Whatever a failed stop left behind.
    for (const pid of processesMentioning(dir)) process.kill(pid, 'SIGKILL');
    await rm(scratch, { recursive: true, force: true });
  });

  test('a node killed by SIGKILL comes back with its ID and rejoins; the delay doubles', async () => {
    const id = (await readFile(join(dir, 'target-0', 'node-id'), 'utf8')).trim();
    const first = (await node('target-0')).pid;
    assert.ok(first !== null);
    process.kill(first, 'SIGKILL');
    const second = await waitRestarted('target-0', first);
    process.kill(second, 'SIGKILL');
    const third = await waitRestarted('target-0', second);

    const target = await node('target-0');
    const primary = new Client((await node('proxy-0')).publicUrl, { timeoutMs: 5_000 });
    try {
      await waitFor('target-0 in the cluster map, in sync with the primary', 30_000, async () => {
        const map = await primary.clusterMap({ refresh: true });
        const own = await fetch(`${target.publicUrl}/v1/daemon?what=smap`);
        const ownMap = (await own.json()) as { version: string };
        return map.tmap[id] !== undefined && ownMap.version === map.version;
      });
    } finally {
      await primary.close();
    }
    assert.equal(target.restarts, 2);
    const supervisorLog = await log('supervisor.log');
    const nodeLog = await log('target-0/node.log');
    for (const text of [supervisorLog, nodeLog]) {
      for (const [pid, delay, count] of [
        [first, 1, 1],
        [second, 2, 2],
      ]) {
        const line = `target-0 crashed \\(pid ${pid}\\) killed by SIGKILL after [\\d.]+ s up; `;
        assert.match(text, new RegExp(`${line}restarting it in ${delay} s \\(restart ${count}\\)`));
      }
    }
    const status = JSON.parse(await cairn('playground', 'status', '--dir', dir, '--json')) as {
      supervisor: { running: boolean };
      nodes: Array<{ name: string; pid: number; running: boolean; restarts: number }>;
    };
    assert.equal(status.supervisor.running, true);
    const reported = status.nodes.find((entry) => entry.name === 'target-0');
    assert.deepEqual([reported?.pid, reported?.running, reported?.restarts], [third, true, 2]);
  });

  test('an uncaught exception leaves its stack in the node log, and the node restarts', async () => {
    const before = (await node('target-1')).pid;
    assert.ok(before !== null);
    await writeFile(join(dir, 'target-1', 'crash-now'), '');
    await waitRestarted('target-1', before);
    const nodeLog = await log('target-1/node.log');
    assert.match(
      nodeLog,
      /Error: injected crash for the supervision test\n\s+at .*\n[^]*target-1 crashed \(pid \d+\) exited with code 1 .*; restarting it in 1 s/,
    );
  });

  test('a node that exits with 0 (SIGTERM) is not restarted', async () => {
    const pid = (await node('target-1')).pid;
    assert.ok(pid !== null);
    process.kill(pid, 'SIGTERM');
    await waitFor('the supervisor to note the exit', 30_000, async () =>
      (await log('supervisor.log')).includes(`target-1 (pid ${pid}) exited with code 0`),
    );
    // Longer than any first back-off: had it been taken for a crash, it would run again by now.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    assert.equal((await node('target-1')).pid, null);
    assert.deepEqual(processesMentioning(join(dir, 'target-1')), []);
  });

  test('stop with a restart pending stops everything, and nothing comes back', async () => {
    const pid = (await node('target-0')).pid;
    assert.ok(pid !== null);
    process.kill(pid, 'SIGKILL'); // its third crash in a row: restart due in 4 s
    await waitFor('the supervisor to schedule the restart', 30_000, async () =>
      (await log('supervisor.log')).includes(`(pid ${pid}) killed by SIGKILL`),
    );
    // 1 node, or 2 when a slow machine let the restart run before the stop (the back-off resets
    // after a minute up): either way, nothing may run afterwards.
    assert.match(
      await cairn('playground', 'stop', '--dir', dir),
      /^stopped [12] nodes?; data kept/,
    );
    const stopped = await record();
    assert.equal(stopped.supervisorPid, null);
    assert.deepEqual(
      stopped.nodes.map((entry) => entry.pid),
      [null, null, null],
    );
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // past the 4 s back-off
    assert.deepEqual(processesMentioning(dir), []);
    assert.match(await log('supervisor.log'), /stopping the playground \(stop requested\)/);
  });
});
