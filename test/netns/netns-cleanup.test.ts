// The namespace harness after a killed run: a process that built a lab (a namespace with a node-like
// process inside, veths, a bridge) dies by SIGKILL; the next lab removes all of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { labResources, netnsUnavailable, removeLeftovers } from '../harness/netns.js';
import { waitFor } from '../harness/wait.js';

const unavailable = await netnsUnavailable();
const harness = new URL('../harness/netns.js', import.meta.url).href;

// The child builds a lab with one host, starts a sleeper inside its namespace, prints the tag and
// waits to be killed.
const child = `
import { spawn } from 'node:child_process';
const { NetnsLab } = await import(${JSON.stringify(harness)});
const lab = await NetnsLab.create({ separateIntra: true });
const host = await lab.addHost();
const sleeper = spawn('ip', ['netns', 'exec', host.namespace, 'sleep', '600'], { stdio: 'ignore', detached: true });
sleeper.unref();
console.log(JSON.stringify({ tag: lab.tag, sleeper: sleeper.pid }));
setInterval(() => {}, 1000);
`;

test(
  'a killed run leaves namespaces, veths and a bridge; the next run removes them',
  { skip: unavailable },
  async () => {
    const proc = spawn(process.execPath, ['--input-type=module', '-e', child], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    proc.on('error', () => undefined);
    const lines = createInterface({ input: proc.stdout });
    const [first] = (await Promise.race([
      once(lines, 'line'),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('child not ready in 30 s')), 30_000),
      ),
    ])) as [string];
    const { tag, sleeper } = JSON.parse(first) as { tag: string; sleeper: number };
    const left = await labResources(tag);
    assert.equal(left.length, 5, `namespace, two veth ends, two bridges: ${left.join(', ')}`);
    proc.kill('SIGKILL');
    await once(proc, 'exit');
    assert.equal((await labResources(tag)).length, 5, 'a SIGKILL cleans nothing up');
    await removeLeftovers();
    assert.deepEqual(await labResources(tag), []);
    await waitFor('the process inside the namespace to be killed', 10_000, () => {
      try {
        process.kill(sleeper, 0);
        return Promise.resolve(false);
      } catch {
        return Promise.resolve(true);
      }
    });
    await removeLeftovers();
    assert.deepEqual(
      await labResources(tag),
      [],
      'a second cleanup finds nothing and fails on nothing',
    );
  },
);

if (unavailable !== undefined) {
  test('network namespace cleanup', (t) => {
    t.skip(`skipped: ${unavailable}`);
  });
}
