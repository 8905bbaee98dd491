// Unit tests: ArgsMsg keys match case-insensitively, null buckets mean none, strictness on start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSelection, parseBucket, parseJobArgs } from './job-messages.js';

test('ArgsMsg as the Python SDK sends it, and in other spellings', () => {
  const python = { ID: '', Kind: 'lru', DaemonID: '', Bck: null, Buckets: null };
  assert.deepEqual(parseJobArgs(python, 'start'), { ID: '', Kind: 'lru', DaemonID: '' });
  assert.deepEqual(parseJobArgs({ kind: 'lru', bck: { NAME: 'b', Provider: 's3' } }, 'start'), {
    Kind: 'lru',
    Bck: { name: 'b', provider: 'aws' },
  });
  assert.deepEqual(parseJobArgs(null, 'stop'), {});
  assert.deepEqual(parseJobArgs({ Bck: { name: '', provider: '' }, Force: true }, 'start'), {
    Force: true,
  });
  assert.deepEqual(
    parseJobArgs({ Buckets: [{ name: 'a', provider: 'ais' }, null] }, 'start').Buckets,
    [{ name: 'a', provider: 'ais' }],
  );
});

test('start and stop refuse what ArgsMsg does not have', () => {
  assert.throws(() => parseJobArgs({ Kind: 'lru', Nope: 1 }, 'start'), /unknown field "Nope"/);
  assert.throws(() => parseJobArgs({ Kind: 5 }, 'start'), /"Kind" must be a string/);
  assert.throws(() => parseJobArgs([], 'start'), /failed to unmarshal/);
  assert.throws(() => parseBucket({ name: 'b', provider: 'nope' }, 'Bck'), /invalid backend/);
});

test("selections are named as AIStore's QueryMsg.String names them", () => {
  assert.equal(describeSelection({ id: 'X1' }), 'x-[X1]');
  assert.equal(describeSelection({ kind: 'lru', id: 'X1' }), 'x-lru[X1]');
  assert.equal(describeSelection({}), 'x-');
  assert.equal(
    describeSelection({ kind: 'lru', bucket: { name: 'b', provider: 'ais' }, onlyRunning: true }),
    'x-lru-ais://b-only-running',
  );
});
