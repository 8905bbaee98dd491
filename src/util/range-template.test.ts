// Unit tests for range templates (bash, at and fmt forms).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandRangeTemplate, parseRangeTemplate } from './range-template.js';

const expand = (text: string): string[] => {
  const template = parseRangeTemplate(text);
  assert.ok(template !== undefined);
  return [...expandRangeTemplate(template)];
};

test('expands a zero-padded range', () => {
  assert.deepEqual(expand('shard-{000..003}.tar'), [
    'shard-000.tar',
    'shard-001.tar',
    'shard-002.tar',
    'shard-003.tar',
  ]);
});

test('pads to the shorter bound, as AIStore does', () => {
  assert.deepEqual(expand('x{01..100..50}'), ['x01', 'x51']);
  assert.deepEqual(expand('x{1..10..9}'), ['x1', 'x10']);
  assert.equal(expand('shard-{0000..4999}.tar')[4999], 'shard-4999.tar');
});

test('expands steps and several ranges, first range outermost', () => {
  assert.deepEqual(expand('a{0..4..2}-{1..2}'), ['a0-1', 'a0-2', 'a2-1', 'a2-2', 'a4-1', 'a4-2']);
  assert.equal(parseRangeTemplate('x{1..10}y{0..9}')?.count, 100);
});

test('the at form counts from 0 to the number, padded to its digits', () => {
  assert.deepEqual(expand('p-@02.tar'), ['p-00.tar', 'p-01.tar', 'p-02.tar']);
  assert.deepEqual(expand('@1-@1'), ['0-0', '0-1', '1-0', '1-1']);
  assert.throws(() => parseRangeTemplate('mail@host'), /invalid 'at' template/);
});

test('the fmt form is unbounded (it names outputs)', () => {
  const template = parseRangeTemplate('out-%06d.tar');
  assert.ok(template !== undefined && template.count > 1e15);
  const first = expandRangeTemplate(template);
  assert.equal(first.next().value, 'out-000000.tar');
  assert.equal(first.next().value, 'out-000001.tar');
  assert.throws(() => parseRangeTemplate('out-%6d'), /invalid 'fmt' template/);
});

test('a template without ranges is a prefix; bad ranges are refused', () => {
  assert.equal(parseRangeTemplate('plain/prefix-'), undefined);
  assert.throws(() => parseRangeTemplate('a{5..1}'), /'start' cannot be greater than 'end'/);
  assert.throws(() => parseRangeTemplate('a{1..5..0}'), /'step' is non-positive/);
  assert.throws(() => parseRangeTemplate('a{x,y}'), /invalid 'bash' template/);
});
