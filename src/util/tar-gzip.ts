// A gzip-compressed tar (ustar) stream of files on disk, for handing several files over at once
// (a node's logs, `what=log&all=true`). Each file is read as far as the size given: a file that
// grows meanwhile is cut there, one that shrinks is padded with zeros, so the archive stays valid.
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';

export interface TarFile {
  /** The name inside the archive (at most 100 bytes). */
  name: string;
  path: string;
  sizeBytes: number;
  modifiedMs: number;
}

const blockBytes = 512;

/** The `.tar.gz` of `files`, in order, as a stream. */
export function tarGzipStream(files: readonly TarFile[]): Readable {
  for (const file of files) {
    if (Buffer.byteLength(file.name) > 100)
      throw new RangeError(`tar: name too long: ${file.name}`);
  }
  const gzip = createGzip();
  pipeline(Readable.from(tarBlocks(files)), gzip, (error) => {
    if (error) gzip.destroy(error);
  });
  return gzip;
}

async function* tarBlocks(files: readonly TarFile[]): AsyncGenerator<Buffer> {
  for (const file of files) {
    yield header(file);
    let sent = 0;
    if (file.sizeBytes > 0) {
      const source = createReadStream(file.path, { start: 0, end: file.sizeBytes - 1 });
      try {
        for await (const chunk of source) {
          const buffer = chunk as Buffer;
          sent += buffer.byteLength;
          yield buffer;
        }
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
    const padding =
      file.sizeBytes - sent + ((blockBytes - (file.sizeBytes % blockBytes)) % blockBytes);
    if (padding > 0) yield Buffer.alloc(padding);
  }
  yield Buffer.alloc(2 * blockBytes);
}

function header(file: TarFile): Buffer {
  const block = Buffer.alloc(blockBytes);
  block.write(file.name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  block.write('0000000\0', 108, 'ascii');
  block.write('0000000\0', 116, 'ascii');
  block.write(`${octal(file.sizeBytes, 11)}\0`, 124, 'ascii');
  block.write(`${octal(Math.floor(file.modifiedMs / 1000), 11)}\0`, 136, 'ascii');
  block.write('        ', 148, 'ascii');
  block.write('0', 156, 'ascii');
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  let checksum = 0;
  for (const byte of block) checksum += byte;
  block.write(`${octal(checksum, 6)}\0 `, 148, 'ascii');
  return block;
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width, '0');
}
