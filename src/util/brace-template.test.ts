// Unit tests for range templates.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandBraceTemplate, parseBraceTemplate } from './brace-template.js';

const expand = (text: string): string[] => {
  const template = parseBraceTemplate(text);
  assert.ok(template !== undefined);
  return [...expandBraceTemplate(template)];
};

test('expands a zero-padded range', () => {
  assert.deepEqual(expand('shard-{000..003}.tar'), [
    'shard-000.tar',
    'shard-001.tar',
    'shard-002.tar',
    'shard-003.tar',
  ]);
});

test('expands steps and several ranges, first range outermost', () => {
  assert.deepEqual(expand('a{0..4..2}-{1..2}'), ['a0-1', 'a0-2', 'a2-1', 'a2-2', 'a4-1', 'a4-2']);
  assert.equal(parseBraceTemplate('x{1..10}y{0..9}')?.count, 100);
});

test('a template without ranges is a prefix; bad ranges are refused', () => {
  assert.equal(parseBraceTemplate('plain/prefix-'), undefined);
  assert.throws(() => parseBraceTemplate('a{5..1}'), /invalid range/);
  assert.throws(() => parseBraceTemplate('a{1..5..0}'), /invalid range/);
});
