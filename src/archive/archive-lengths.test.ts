// Unit tests: a file whose body has another length than its header announces fails the archive
// (in memory or streamed, tar plain or compressed, zip): never an archive that looks complete, and
// never an uncaught error (yazl reports it on its ZipFile, which ended the process).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { MemoryBody } from '../util/streams/memory-body.js';
import { TarWriter } from './tar-archive.js';
import { ZipWriter } from './zip-archive.js';

const modifiedMs = 1_765_000_123_456;

const wrongLength: Array<[string, () => MemoryBody | Readable]> = [
  ['in memory', () => new MemoryBody(Buffer.alloc(10, 1))],
  ['streamed, short', () => Readable.from([Buffer.alloc(10, 1)])],
  ['streamed, long', () => Readable.from([Buffer.alloc(30, 1)])],
];
for (const codec of ['tar', 'gzip'] as const) {
  for (const [kind, body] of wrongLength) {
    test(`${codec}: a body of the wrong length (${kind}) fails the archive`, async () => {
      const writer = new TarWriter(codec);
      const read = buffer(writer.output);
      await writer.add('first', 4, new MemoryBody(Buffer.alloc(4, 2)), modifiedMs);
      await assert.rejects(
        Promise.resolve(writer.add('wrong', 20, body(), modifiedMs)),
        /20 announced|Size mismatch/,
      );
      // A caller that finishes anyway gets a failed output, never a tar that looks complete.
      writer.finish();
      await assert.rejects(read);
    });
  }
}

for (const [kind, body] of wrongLength) {
  test(`zip: a body of the wrong length (${kind}) fails the archive`, async () => {
    const writer = new ZipWriter();
    const read = buffer(writer.output);
    await writer.add('first', 4, new MemoryBody(Buffer.alloc(4, 2)), modifiedMs);
    // yazl counts the bytes once the body has ended: the add may settle either way first.
    await Promise.allSettled([writer.add('wrong', 20, body(), modifiedMs)]);
    await assert.rejects(read, /unexpected number of bytes/);
    // A file added after the failure is refused at once, never left waiting.
    await assert.rejects(
      writer.add('next', 4, new MemoryBody(Buffer.alloc(4, 2)), modifiedMs),
      /unexpected number of bytes/,
    );
    writer.finish();
  });
}
