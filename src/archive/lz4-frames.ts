// The LZ4 frame codec (`.tar.lz4`): node-lz4's streaming encoder and decoder (frame format, as
// the `lz4` command line tool writes and reads), typed here since the package ships no types.
import { createRequire } from 'node:module';
import type { Transform } from 'node:stream';

interface Lz4Module {
  createEncoderStream(options: { blockMaxSize: number; streamChecksum: boolean }): Transform;
  createDecoderStream(): Transform;
}

const lz4 = createRequire(import.meta.url)('lz4') as Lz4Module;

/**
 * The encoder holds one block before it compresses it: 256 KiB (of the sizes the frame format
 * allows, 64 KiB to 4 MiB) bounds a stream's memory without losing much compression.
 */
const blockMaxSize = 256 << 10;

export function lz4Encoder(): Transform {
  return lz4.createEncoderStream({ blockMaxSize, streamChecksum: true });
}

export function lz4Decoder(): Transform {
  return lz4.createDecoderStream();
}
