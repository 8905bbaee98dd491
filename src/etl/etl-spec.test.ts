// The init message as stored: name rule, communication forms, defaults, duration forms, runtimes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterConfig } from '../config/index.js';
import { normalizeInitMessage, specOf } from './etl-spec.js';
import { formatGoDuration, parseGoDuration } from '../config/index.js';

const runtimes = parseClusterConfig({}).etl.runtimes;
const codeOf = (body: unknown): string => {
  try {
    normalizeInitMessage(body, runtimes);
    return 'ok';
  } catch (error) {
    return (error as { code: string }).code;
  }
};

test('Go durations both ways', () => {
  assert.equal(parseGoDuration('1h30m', 'x'), 5_400_000);
  assert.equal(parseGoDuration('1.5s', 'x'), 1500);
  assert.equal(parseGoDuration('250ms', 'x'), 250);
  assert.equal(parseGoDuration('2000000000', 'x'), 2000);
  assert.throws(() => parseGoDuration('5 minutes', 'x'), /invalid duration/);
  assert.equal(formatGoDuration(300_000), '5m');
  assert.equal(formatGoDuration(5_400_000), '1h30m');
  assert.equal(formatGoDuration(1500), '1.5s');
});

test('defaults: hpush://, 45s and 10s; communication gets its ://', () => {
  const stored = normalizeInitMessage({ name: 'abc-123', runtime: { command: ['cat'] } }, runtimes);
  assert.deepEqual(stored, {
    name: 'abc-123',
    communication: 'hpush://',
    init_timeout: '45s',
    obj_timeout: '10s',
    support_direct_put: false,
    runtime: { command: ['cat'] },
  });
  const pull = normalizeInitMessage(
    { name: 'abc-123', communication: 'hpull', obj_timeout: '45s', runtime: { command: ['x'] } },
    runtimes,
  );
  assert.equal(pull.communication, 'hpull://');
  assert.equal(specOf(pull, runtimes).objTimeoutMs, 45_000);
});

test('name rule, runtime, communication and InitSpecMsg refusals', () => {
  const command = { command: ['cat'] };
  assert.equal(codeOf({ name: 'ab', runtime: command }), 'BadRequest');
  assert.equal(codeOf({ name: 'a'.repeat(33), runtime: command }), 'BadRequest');
  assert.equal(codeOf({ name: '-abcdef', runtime: command }), 'BadRequest');
  assert.equal(codeOf({ name: 'abc_def', runtime: command }), 'BadRequest');
  assert.equal(codeOf({ name: 'abcdef', runtime: {} }), 'BadRequest');
  assert.equal(codeOf({ name: 'abcdef', runtime: { image: 'unknown/img' } }), 'BadRequest');
  assert.equal(codeOf({ name: 'abcdef', runtime: { image: 'cairn/python' } }), 'ok');
  assert.equal(
    codeOf({ name: 'abcdef', communication: 'ws://', runtime: command }),
    'NotImplemented',
  );
  assert.equal(codeOf({ name: 'abcdef', communication: 'grpc', runtime: command }), 'BadRequest');
  assert.equal(codeOf({ name: 'abcdef', spec: 'YWJj' }), 'NotImplemented');
  assert.equal(codeOf({ name: 'abcdef', runtime: command, env: [{ value: 'x' }] }), 'BadRequest');
});

test('an image runs its launcher; env of runtime and message merge (message wins)', () => {
  const stored = normalizeInitMessage(
    {
      name: 'py-etl',
      runtime: {
        image: 'cairn/python',
        env: [
          { name: 'A', value: '1' },
          { name: 'ETL_MAIN', value: 'm.py' },
        ],
      },
      env: [{ name: 'A', value: '2' }],
    },
    runtimes,
  );
  const spec = specOf(stored, runtimes);
  assert.deepEqual(spec.argv, runtimes['cairn/python']);
  assert.deepEqual(spec.env, { A: '2', ETL_MAIN: 'm.py' });
});
