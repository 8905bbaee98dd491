// Object bodies are streamed end to end: a target serving 32 concurrent GETs of a 384 MiB object
// stays under 300 MiB resident memory (peak, VmHWM). The object is larger than the bound, so one
// buffered body fails the test (a server that reads an object whole before sending holds it even
// for a reader that stops early); a larger one only makes the test slower (32 x 1 GiB took ~130 s,
// 32 whole reads of 384 MiB ~88 s in CI).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { Client } from '../../src/sdk/index.js';
import { TestCluster } from '../harness/test-cluster.js';

const bucket = { name: 'memory', provider: 'ais' };
const objectSize = 384 * 1024 * 1024;
/** Readers that read the whole object; the others stop after `partialBytes`. */
const wholeReaders = 4;
const partialBytes = 32 * 1024 * 1024;

function repeatingBody(size: number): Readable {
  const block = randomBytes(1024 * 1024);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      const length = Math.min(block.length, size - sent);
      sent += length;
      this.push(length === block.length ? block : block.subarray(0, length));
    },
  });
}

async function peakResidentMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return Number(match?.[1] ?? 0) / 1024;
}

describe('streaming memory bound', () => {
  let cluster: TestCluster;
  let client: Client;

  before(async () => {
    ({ cluster, client } = await TestCluster.withBucket(
      { proxies: 1, targets: 1, mountpaths: 1 },
      bucket,
    ));
  });
  after(() => cluster?.destroy());

  test('32 concurrent GETs of a 384 MiB object, 28 of them cut short, keep the target under 300 MiB resident', async () => {
    await client.putObject(bucket, 'big', {
      size: objectSize,
      open: () => repeatingBody(objectSize),
    });
    const target = cluster.targets[0];
    assert.ok(target !== undefined);
    // All 32 are in flight together at first; 28 hang up after `partialBytes`, so the target must
    // also let go of what it holds for a reader that leaves (and the test streams 2.4 GiB, not 12).
    const reads = Array.from({ length: 32 }, async (_, index) => {
      const whole = index < wholeReaders;
      const { body } = await client.getObject(bucket, 'big');
      let bytes = 0;
      for await (const chunk of body) {
        bytes += (chunk as Buffer).length;
        if (!whole && bytes >= partialBytes) {
          body.destroy();
          return 'cut short';
        }
      }
      return bytes;
    });
    const outcomes = await Promise.all(reads);
    assert.deepEqual(outcomes.slice(0, wholeReaders), Array(wholeReaders).fill(objectSize));
    assert.deepEqual(new Set(outcomes.slice(wholeReaders)), new Set(['cut short']));
    const peak = await peakResidentMiB(target.pid);
    assert.ok(peak < 300, `target peak resident memory ${peak.toFixed(0)} MiB`);
  });
});
