// Unit tests: which archive format a name's extension says, longest extension first, any case.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatFromName, splitAtExtension } from './archive-format.js';

test('formatFromName: the longest matching extension, in any case; none for other names', () => {
  const cases: Array<[string, string | undefined]> = [
    ['a.tar', '.tar'],
    ['dir/a.TAR.GZ', '.tar.gz'],
    ['a.tgz', '.tgz'],
    ['x.tar.lz4', '.tar.lz4'],
    ['Z.Zip', '.zip'],
    ['.tar', '.tar'],
    ['tar', undefined],
    ['a.tar.gzip', undefined],
    ['a.tar/b', undefined],
    ['', undefined],
    ['a.lz4', undefined],
  ];
  for (const [name, format] of cases) assert.equal(formatFromName(name), format, name);
});

test('splitAtExtension: at the first archive extension followed by a slash', () => {
  assert.deepEqual(splitAtExtension('s.tar.gz/a/b'), { shard: 's.tar.gz', path: 'a/b' });
  assert.deepEqual(splitAtExtension('s.tar/x.zip/y'), { shard: 's.tar', path: 'x.zip/y' });
  assert.equal(splitAtExtension('s.tar'), undefined);
});
