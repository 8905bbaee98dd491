// The content cache's background checks, batched (meta/content-checks.ts): the checks a turn of hits
// starts (a GetBatch's window) go to the thread pool as a few one-job reads, not one stat each, and
// each check's result is its own: an unchanged file confirmed, a changed, removed, linked or
// unreadable one dropped.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { chmod, copyFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { getAttribute, setAttribute } from 'fs-xattr';
import type { Clock } from '../util/clock.js';
import { checkFileStates, localDisk, type Disk } from './io/index.js';
import type { LocalStore } from './local-store.js';
import {
  metadataAttributeName,
  startContentCheck,
  type CheckResults,
  type ContentCheck,
} from './meta/index.js';
import {
  makeTemporaryDirectory,
  openTestStore,
  patternBytes,
  putObjectFile,
  readAll,
  removeTemporaryDirectory,
  testBucket,
} from './store-fixtures.js';

let root = '';
let store: LocalStore;
let nowMs = 5_000_000;
const clock: Clock = { nowMs: () => nowMs };
const checkIntervalMs = 1000;
/** Paths whose check fails as an unreadable file would (EIO). */
const failing = new Set<string>();
const disk: Disk = {
  ...localDisk,
  readSmallFile: (path, request) =>
    failing.has(path) && request.buffer === undefined
      ? Promise.reject(Object.assign(new Error(`EIO: i/o error, open '${path}'`), { code: 'EIO' }))
      : localDisk.readSmallFile(path, request),
  // As an unreadable file's open would fail in the job: that path alone is found changed.
  checkFileStates: async (paths, states) => {
    const unchanged = await checkFileStates(paths, states);
    for (const [index, path] of paths.entries()) if (failing.has(path)) unchanged[index] = 0;
    return unchanged;
  },
};
/** The same disk without `checkFileStates`: a stat-only `readSmallFile` per check. */
const oneByOne: Disk = { ...disk, checkFileStates: undefined };

before(async () => {
  root = await makeTemporaryDirectory();
  const contentCache = { maxBytes: 4 * 1024 * 1024, objectMaxBytes: 64 * 1024, checkIntervalMs };
  store = await openTestStore(join(root, 'store'), 1, { contentCache }, 'target-1', {
    disk,
    clock,
  });
});

after(async () => {
  await store.close();
  await removeTemporaryDirectory(root);
});

const names = Array.from({ length: 100 }, (_, index) => `item-${index}`);
const dataOf = (index: number): Buffer => patternBytes(4096, index + 1);

/** Async resources created while `body` runs and for a moment after, counted by type. */
async function resourcesDuring(body: () => void): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const hook = createHook({
    init: (_id, type) => {
      counts.set(type, (counts.get(type) ?? 0) + 1);
    },
  });
  hook.enable();
  try {
    body();
    await sleep(100);
  } finally {
    hook.disable();
  }
  return counts;
}

/** Which of `names` `getCachedObject` answers now (a confirmed hit). */
function hitsNow(): string[] {
  return names.filter((name) => store.getCachedObject(testBucket, name) !== undefined);
}

test("a turn's checks: a few one-job reads, unchanged files confirmed, changed ones dropped", async () => {
  const paths = [];
  for (const [index, name] of names.entries())
    paths.push(await putObjectFile(store, name, dataOf(index)));
  for (const name of names) {
    await readAll(
      (await store.getObject(testBucket, name, undefined, { keepInMemory: true })).body,
    );
  }
  assert.deepEqual(hitsNow(), names, 'every object kept and confirmed by its read');

  // Behind the store's back: item-1 replaced by another file (a new inode), item-2 removed,
  // item-3 a link to a copy of itself, item-4's mode changed in place (only its ctime moves),
  // item-5 unreadable.
  await sleep(20); // past the kernel's timestamp tick
  const staged = join(root, 'staged');
  await copyFile(paths[6] as string, staged);
  await setAttribute(
    staged,
    metadataAttributeName,
    await getAttribute(paths[6] as string, metadataAttributeName),
  );
  await rename(staged, paths[1] as string);
  await rm(paths[2] as string);
  const copied = join(root, 'copied');
  await copyFile(paths[3] as string, copied);
  await rm(paths[3] as string);
  await symlink(copied, paths[3] as string);
  await chmod(paths[4] as string, 0o600);
  failing.add(paths[5] as string);

  // Half the interval on, a turn of hits starts every entry's check.
  nowMs += checkIntervalMs / 2;
  const counts = await resourcesDuring(() => assert.deepEqual(hitsNow(), names));
  const jobs = counts.get('cairn:read-files') ?? 0;
  assert.ok(jobs >= 1 && jobs <= 4, `100 checks in ${jobs} one-job reads (32 a job)`);
  assert.equal(counts.get('FSREQPROMISE') ?? 0, 0, 'no stat of its own per check');
  const promises = counts.get('PROMISE') ?? 0;
  assert.ok(promises < names.length / 2, `100 checks made ${promises} promises: a few a job`);

  // Past the interval since the reads: only what a check confirmed is still served.
  nowMs += checkIntervalMs * 0.6;
  const dropped = ['item-1', 'item-2', 'item-3', 'item-4', 'item-5'];
  assert.deepEqual(
    hitsNow(),
    names.filter((name) => !dropped.includes(name)),
  );
  failing.clear();
});

for (const [how, checking] of [
  ['in one job', disk],
  ['one by one', oneByOne],
] as const) {
  test(`startContentCheck ${how}: each result its own, a failed read of one path drops only its entry`, async () => {
    const files = ['a', 'b', 'c'].map((name) => join(root, `check-${how}-${name}`));
    for (const path of files) await writeFile(path, path);
    const identities = await Promise.all(
      files.map((path) => localDisk.stat(path, { bigint: true })),
    );
    const results = new Map<string, boolean>();
    const collected: CheckResults = {
      contentChecked: (check, unchanged) => results.set(check.path, unchanged),
    };
    failing.add(files[1] as string);
    try {
      for (const [index, path] of [...files, join(root, `check-${how}-missing`)].entries()) {
        const identity = identities[index] ?? identities[0];
        assert.ok(identity !== undefined);
        const check: ContentCheck = { path, identity, startedMs: nowMs, entry: {} };
        void startContentCheck(checking, collected, check);
      }
      for (let waited = 0; results.size < 4 && waited < 100; waited += 1) await sleep(10);
    } finally {
      failing.clear();
    }
    assert.deepEqual(Object.fromEntries(results), {
      [files[0] as string]: true,
      [files[1] as string]: false,
      [files[2] as string]: true,
      [join(root, `check-${how}-missing`)]: false,
    });
  });
}
