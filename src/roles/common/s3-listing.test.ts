// Unit tests for the S3 listing roll-up and merge: names that sort past a common prefix's resume
// point, and keys that two targets both hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeRolledUp, rollUp } from './s3-listing.js';

const keys = ['dir/a', 'dir/\uffffz', 'dir/\uffff\uffffy', 'e', 'f'].sort();

/** A store walk over `keys`, counting its steps. */
function walk(): {
  fetch: (after: string, limit: number) => Promise<{ key: string }[]>;
  steps: () => number;
} {
  let steps = 0;
  return {
    fetch: (after, limit) => {
      steps += 1;
      return Promise.resolve(
        keys
          .filter((key) => key > after)
          .slice(0, limit)
          .map((key) => ({ key })),
      );
    },
    steps: () => steps,
  };
}

test('a key past `prefix\\uffff` is never rolled up twice, and paging by one ends', async () => {
  for (const maxKeys of [1, 2, 1000]) {
    const { fetch, steps } = walk();
    const listed: string[] = [];
    let startAfter = '';
    for (let page = 0; page < 10; page += 1) {
      const request = { prefix: '', delimiter: '/', startAfter, maxKeys };
      const got = await rollUp(request, fetch);
      const items = [...got.commonPrefixes, ...got.entries.map((entry) => entry.key)].sort();
      listed.push(...items);
      if (!got.truncated) break;
      startAfter = items[items.length - 1] ?? '';
    }
    assert.deepEqual(listed, ['dir/', 'e', 'f'], `maxKeys ${maxKeys}`);
    assert.ok(steps() < 20, `maxKeys ${maxKeys}: ${steps()} steps`);
  }
});

test('a fetch that does not move on is an error, never a spinning loop', async () => {
  const request = { prefix: '', delimiter: '/', startAfter: 'b', maxKeys: 5 };
  await assert.rejects(
    rollUp(request, () => Promise.resolve([{ key: 'a' }])),
    /did not move on/,
  );
});

test('the merge lists a key two targets hold once (as during a rebalance)', () => {
  const page = (...names: string[]) => ({
    entries: names.map((key) => ({ key })),
    commonPrefixes: [],
    truncated: false,
  });
  const merged = mergeRolledUp([page('k1', 'k2'), page('k2', 'k3')], 10);
  assert.deepEqual(
    merged.entries.map((entry) => entry.key),
    ['k1', 'k2', 'k3'],
  );
  const cut = mergeRolledUp([page('k1', 'k2'), page('k2', 'k3')], 2);
  assert.deepEqual(
    cut.entries.map((entry) => entry.key),
    ['k1', 'k2'],
  );
  assert.equal(cut.truncated, true);
});
