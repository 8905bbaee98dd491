// Unit tests: the RequestSpec rules (defaults, extensions from template suffixes, the
// `ekm_sep`/`ekm_file_sep` quirk, case-insensitive keys, 400s naming the key), output templates
// (bash ranges, `@`, `%06d`), the algorithms' orders (seeded shuffle repeatable) and the cutting
// of sorted records into shards (by size, by template count, by external key map).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DsortRecordJson } from '../wire/index.js';
import { parseOutputTemplate } from './output-names.js';
import { parseRequestSpec } from './request-spec.js';
import { parseKeyMap, planByKeyMap, planByTemplate } from './shard-plan.js';
import { sortRecords } from './sort-records.js';

const base = { input_bck: { name: 'in' }, output_format: 'out-{0..9}.tar' };

test('spec: defaults, inferred extensions, keys in any case', () => {
  const spec = parseRequestSpec({
    Input_Bck: { Name: 'in' },
    INPUT_FORMAT: { template: 'shard-{000..099}.tgz' },
    output_format: 'out-{0000..9999}.zip',
  });
  assert.deepEqual(spec.inputBucket, { name: 'in', provider: 'ais' });
  assert.deepEqual(spec.outputBucket, spec.inputBucket);
  assert.equal(spec.inputExtension, '.tgz');
  assert.equal(spec.outputExtension, '.zip');
  assert.equal(spec.algorithm.kind, 'alphanumeric');
  assert.equal(spec.maxMemUsage, '80%');
  assert.equal(spec.ekmSeparator, '\t');
  assert.equal(spec.duplicatedRecords, 'ignore');
  assert.equal(spec.ekmMissingKey, 'abort');
  assert.deepEqual(
    parseRequestSpec({ input_bck: { name: 'in' }, input_extension: '.tar', output_format: 'o-@99' })
      .input,
    { template: '' },
  );
});

test("spec: ekm_file_sep, or the Python SDK's ekm_sep; Config keys", () => {
  const ekm = {
    input_bck: { name: 'in' },
    input_extension: '.tar',
    ekm_file: 'http://x/e.txt',
    output_shard_size: '1MiB',
  };
  assert.equal(parseRequestSpec({ ...ekm, ekm_file_sep: ',' }).ekmSeparator, ',');
  assert.equal(parseRequestSpec({ ...ekm, ekm_sep: ' ' }).ekmSeparator, ' ');
  assert.equal(
    parseRequestSpec({ ...ekm, Config: { ekm_missing_key: 'warn' } }).ekmMissingKey,
    'warn',
  );
  assert.equal(parseRequestSpec({ ...ekm, output_shard_size: '1MiB' }).outputShardSize, 1 << 20);
});

test('spec: every mistake is a 400 naming the key', () => {
  const cases: Array<[object, RegExp]> = [
    [{}, /input_bck/],
    [{ ...base, input_bck: { name: 'in', provider: 'nope' } }, /provider/],
    [{ ...base, output_format: '' }, /output_format/],
    [{ ...base, output_format: 'plain.tar' }, /range template/],
    [{ ...base, output_format: 'o-%04d.tar' }, /output_shard_size/],
    [{ ...base, output_format: '../../out-{0..9}.tar' }, /output_format.*"\.\." path segment/],
    [{ ...base, output_shard_size: 'lots' }, /output_shard_size/],
    [{ ...base, algorithm: { kind: 'content', extension: 'cls' } }, /leading dot/],
    [
      { ...base, algorithm: { kind: 'content', extension: '.cls', content_key_type: 'x' } },
      /content_key_type/,
    ],
    [{ ...base, algorithm: { seed: 'abc' } }, /seed/],
    [{ ...base, max_mem_usage: '120%' }, /max_mem_usage/],
    [{ ...base, dsorter_type: 'x' }, /dsorter_type/],
    [{ ...base, ekm_file: 'file:///etc/passwd' }, /ekm_file/],
    [{ ...base, ekm_file: 'http://x/e.json' }, /output_shard_size/],
    [{ ...base, output_format: 'o-{0..9}.tar', output_extension: '.zip' }, /output_extension/],
    [{ ...base, Config: { missing_shards: 'explode' } }, /missing_shards/],
    [{ ...base, input_format: { objnames: 'a' } }, /input_format/],
  ];
  for (const [spec, message] of cases)
    assert.throws(
      () => parseRequestSpec(spec),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, 'BadRequest', error.message);
        assert.match(error.message, message);
        return true;
      },
    );
});

test('output templates: bash ranges, @ (0 to N, as wide as written) and %06d (no end)', () => {
  const names = (template: string, count: number): string[] => {
    const parsed = parseOutputTemplate(template);
    assert.ok(parsed);
    const out: string[] = [];
    for (const name of parsed.names()) {
      if (out.length === count) break;
      out.push(name);
    }
    return out;
  };
  assert.deepEqual(names('o-{08..10}.tar', 5), ['o-08.tar', 'o-09.tar', 'o-10.tar']);
  assert.equal(parseOutputTemplate('o-@099.tar')?.count, 100);
  assert.deepEqual(names('o-@099.tar', 2), ['o-000.tar', 'o-001.tar']);
  assert.equal(parseOutputTemplate('o-%06d.tar')?.count, Infinity);
  assert.deepEqual(names('o-%06d.tar', 2), ['o-000000.tar', 'o-000001.tar']);
  assert.deepEqual(names('o-%d', 2), ['o-0', 'o-1']);
  assert.equal(parseOutputTemplate('plain.tar'), undefined);
});

function records(keys: string[]): DsortRecordJson[] {
  return keys.map((key, index) => ({
    key,
    node: `t${index % 3}`,
    index,
    shard: `s${index % 2}`,
    position: index,
    files: [
      [`${key}.bin`, 10],
      [`${key}.cls`, 1],
    ],
    content: (index * 7) % 5,
  }));
}

test('algorithms: alphanumeric, content, md5, none, and a seeded shuffle', () => {
  const keys = ['c', 'a', 'd', 'b', 'e', 'f', 'g', 'h'];
  const order = (kind: string, extra: object = {}): string[] => {
    const list = records(keys);
    sortRecords(list, {
      kind,
      decreasing: false,
      seed: '',
      extension: '',
      contentKeyType: 'int',
      ...extra,
    } as never);
    return list.map((record) => record.key);
  };
  assert.deepEqual(order('alphanumeric'), [...keys].sort());
  assert.deepEqual(order('alphanumeric', { decreasing: true }), [...keys].sort().reverse());
  const contents = records(keys);
  sortRecords(contents, {
    kind: 'content',
    decreasing: false,
    seed: '',
    extension: '.cls',
    contentKeyType: 'int',
  });
  const values = contents.map((record) => Number(record.content));
  assert.deepEqual(
    values,
    [...values].sort((a, b) => a - b),
  );
  assert.equal(order('md5').length, keys.length);
  assert.deepEqual(order('none'), ['c', 'd', 'e', 'g', 'a', 'b', 'f', 'h']);
  const once = order('shuffle', { seed: '42' });
  assert.deepEqual(order('shuffle', { seed: '42' }), once);
  assert.notDeepEqual(order('shuffle', { seed: '43' }), once);
  assert.deepEqual([...once].sort(), [...keys].sort());
});

test('plans: shards filled up to the size, or an even share of the template; key maps', () => {
  const spec = parseRequestSpec({ ...base, output_shard_size: '20' });
  const list = records(['a', 'b', 'c', 'd', 'e']);
  const bySize = planByTemplate(list, spec);
  assert.deepEqual(
    bySize.map((shard) => [shard.name, shard.records.length]),
    [
      ['out-0.tar', 2],
      ['out-1.tar', 2],
      ['out-2.tar', 1],
    ],
  );
  const byCount = planByTemplate(
    list,
    parseRequestSpec({ ...base, output_format: 'o-{0..1}', input_extension: '.tar' }),
  );
  assert.deepEqual(
    byCount.map((shard) => [shard.name, shard.records.length]),
    [
      ['o-0.tar', 3],
      ['o-1.tar', 2],
    ],
  );
  assert.throws(
    () =>
      planByTemplate(
        list,
        parseRequestSpec({ ...base, output_format: 'o-{0..1}.tar', output_shard_size: '1' }),
      ),
    /more shards/,
  );
  const ekmSpec = parseRequestSpec({
    input_bck: { name: 'in' },
    input_extension: '.tar',
    ekm_file: 'http://x/k.txt',
    output_shard_size: '11',
    ekm_sep: ' ',
  });
  const warnings: string[] = [];
  const react = (reaction: string, message: string): void => {
    if (reaction === 'abort') throw new Error(message);
    warnings.push(message);
  };
  const map = parseKeyMap(
    'a x-%d.tar\nb y-{0..9}.tar\nc x-%d.tar\n\nd y-{0..9}.tar\ne x-%d.tar',
    'http://x/k.txt',
    ekmSpec,
    react,
  );
  const shards = planByKeyMap(list, map, ekmSpec, react);
  assert.deepEqual(
    shards.map((shard) => [shard.name, shard.records.map((record) => record.key)]),
    [
      ['x-0.tar', ['a']],
      ['x-1.tar', ['c']],
      ['x-2.tar', ['e']],
      ['y-0.tar', ['b']],
      ['y-1.tar', ['d']],
    ],
  );
  const json = parseKeyMap(
    JSON.stringify({ 'g-{0..9}.tar': ['a', 'b'] }),
    'http://x/k.json',
    ekmSpec,
    react,
  );
  assert.equal(json.get('b'), 'g-{0..9}.tar');
  assert.throws(() => parseKeyMap('not json', 'http://x/k.json', ekmSpec, react), /JSON/);
  assert.throws(() => parseKeyMap('a b c', 'http://x/k.txt', ekmSpec, react), /malformed line/);
  assert.throws(() => planByKeyMap(records(['zz']), map, ekmSpec, react), /does not belong/);
});
