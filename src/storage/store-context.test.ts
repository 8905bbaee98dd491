// The home mountpath, whose placement table is kept per mountpath list: the same answer as a
// fresh HRW choice, and a new answer as soon as the volume replaces its list.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { highestRandomWeight, objectDigest } from '../placement/index.js';
import { describeMountpath, type Mountpath } from './mountpath/index.js';
import {
  homeMountpath,
  mountpathsFor,
  readableMountpaths,
  type StoreContext,
} from './store-context.js';

const names = Array.from({ length: 2_000 }, (_, index) => `ais/@#/bucket/object-${index}`);

/** Only the mountpaths matter to the home choice. */
const contextOf = (mountpaths: readonly Mountpath[]): StoreContext =>
  ({ mountpaths }) as unknown as StoreContext;

const freshHome = (mountpaths: readonly Mountpath[], uname: string): Mountpath | undefined =>
  highestRandomWeight(
    objectDigest(uname),
    mountpaths.filter((mountpath) => mountpath.enabled),
  );

test('the home is the HRW choice among enabled mountpaths, before and after a change', () => {
  const paths = ['/mp/a', '/mp/b', '/mp/c', '/mp/d'];
  const before = Object.freeze(paths.map((path) => describeMountpath(path)));
  for (const name of names)
    assert.equal(homeMountpath(contextOf(before), name), freshHome(before, name));
  const moved = names.filter((name) => homeMountpath(contextOf(before), name).path === '/mp/b');
  assert.ok(moved.length > 0);

  // A disable replaces the (frozen) list: no object may still be placed on the disabled one.
  const after = Object.freeze(
    paths.map((path) =>
      describeMountpath(path, path !== '/mp/b', path === '/mp/b' ? 'disable' : undefined),
    ),
  );
  for (const name of names) {
    const home = homeMountpath(contextOf(after), name);
    assert.notEqual(home.path, '/mp/b');
    assert.equal(home, freshHome(after, name));
  }
  // The old list keeps its own answer.
  for (const name of moved) assert.equal(homeMountpath(contextOf(before), name).path, '/mp/b');
});

test('a list that is not frozen (changed in place) is placed afresh each time', () => {
  const list = ['/mp/a', '/mp/b'].map((path) => describeMountpath(path));
  const context = contextOf(list);
  const onB = names.find((name) => homeMountpath(context, name).path === '/mp/b') as string;
  list[1] = describeMountpath('/mp/b', false);
  assert.equal(homeMountpath(context, onB).path, '/mp/a');
});

test('the order to look in: the home, then the other readable mountpaths, kept per list and home', () => {
  const paths = ['/mp/a', '/mp/b', '/mp/c'];
  const list = Object.freeze([
    describeMountpath('/mp/a'),
    describeMountpath('/mp/b', false, 'detach'),
    describeMountpath('/mp/c'),
    describeMountpath('/mp/d', false),
  ]);
  const context = contextOf(list);
  for (const name of names.slice(0, 200)) {
    const order = mountpathsFor(context, name);
    const home = homeMountpath(context, name);
    // A detaching mountpath is read from (still drained), a disabled one is not.
    const expected = [home, ...list.filter((mp) => mp !== home && paths.includes(mp.path))];
    assert.deepEqual(order, expected);
    // Computed once: the same frozen answer for every object of that home.
    assert.equal(mountpathsFor(context, name), order);
    assert.ok(Object.isFrozen(order));
  }
  assert.deepEqual(
    readableMountpaths(context).map((mp) => mp.path),
    paths,
  );
  // A list changed in place is read afresh.
  const open = [describeMountpath('/mp/a'), describeMountpath('/mp/b')];
  const name = names.find(
    (each) => homeMountpath(contextOf(open), each).path === '/mp/a',
  ) as string;
  assert.equal(mountpathsFor(contextOf(open), name).length, 2);
  open[1] = describeMountpath('/mp/b', false);
  assert.deepEqual(mountpathsFor(contextOf(open), name), [open[0]]);
});
