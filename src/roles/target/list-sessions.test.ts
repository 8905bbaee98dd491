// Unit tests for a target's listing sessions: what a next page may reuse, and when it must walk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListSessions } from './list-sessions.js';

const entries = (...names: string[]): { name: string }[] => names.map((name) => ({ name }));

test('a next page reuses the entries after its token and walks on from where the last stopped', () => {
  const sessions = new ListSessions();
  assert.deepEqual(sessions.begin('u1', 'k', 'a'), { reused: [], walkAfter: 'a' });
  sessions.remember('u1', 'k', '', entries('a', 'b', 'c', 'd'), 'd');
  assert.deepEqual(sessions.begin('u1', 'k', 'b'), { reused: entries('c', 'd'), walkAfter: 'd' });
  assert.deepEqual(sessions.begin('u1', 'k', 'd'), { reused: [], walkAfter: 'd' });
});

test('a walk that reached the end has nothing more to walk', () => {
  const sessions = new ListSessions();
  sessions.remember('u1', 'k', 'a', entries('b', 'c'), undefined);
  assert.deepEqual(sessions.begin('u1', 'k', 'b'), { reused: entries('c'), walkAfter: undefined });
  assert.deepEqual(sessions.begin('u1', 'k', 'z'), { reused: [], walkAfter: undefined });
});

test('another listing, a token outside what was read, or no token walk afresh', () => {
  const sessions = new ListSessions();
  sessions.remember('u1', 'k', 'b', entries('c', 'd'), 'd');
  assert.deepEqual(sessions.begin('u1', 'other', 'c'), { reused: [], walkAfter: 'c' });
  assert.deepEqual(sessions.begin('u2', 'k', 'c'), { reused: [], walkAfter: 'c' });
  assert.deepEqual(sessions.begin('u1', 'k', 'a'), { reused: [], walkAfter: 'a' });
  assert.deepEqual(sessions.begin('u1', 'k', 'e'), { reused: [], walkAfter: 'e' });
  assert.deepEqual(sessions.begin('u1', 'k', ''), { reused: [], walkAfter: '' });
  sessions.remember('', 'k', '', entries('x'), 'x');
  assert.deepEqual(sessions.begin('', 'k', 'a'), { reused: [], walkAfter: 'a' });
});

test('sessions are bounded: the oldest are forgotten first', () => {
  const sessions = new ListSessions();
  for (let index = 0; index < 100; index += 1) {
    sessions.remember(`u${index}`, 'k', 'a', entries('b', 'c'), 'c');
  }
  assert.deepEqual(sessions.begin('u0', 'k', 'b'), { reused: [], walkAfter: 'b' });
  assert.deepEqual(sessions.begin('u99', 'k', 'b'), { reused: entries('c'), walkAfter: 'c' });
});
