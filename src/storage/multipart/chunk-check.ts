// Whether a chunked object's bytes are whole: its manifest is complete and, when verifying, every
// chunk reads back with its own checksum (the checks a GET makes, without sending anything).
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isStoreError } from '../../errors/index.js';
import type { BucketJson } from '../../wire/index.js';
import { isMissing } from '../io/index.js';
import type { Mountpath } from '../mountpath/index.js';
import type { StoreContext } from '../store-context.js';
import { findManifest } from './chunk-sets.js';
import { ChunkedBody } from './chunked-body.js';

/** True when chunk set `chunks` holds a complete object (read and checked when `verify`). */
export async function chunksIntact(
  context: StoreContext,
  bucket: BucketJson,
  chunks: string,
  preferred: Mountpath,
  verify: boolean,
): Promise<boolean> {
  const located = await findManifest(context, bucket, chunks, preferred);
  if (located === undefined || located.manifest.state !== 'complete') return false;
  if (!verify) return true;
  const { manifest, mountpath } = located;
  const body = new ChunkedBody(
    context.disk,
    mountpath.path,
    bucket,
    chunks,
    manifest.chunks,
    undefined,
    context.buffers,
  );
  const sink = new Writable({ write: (_chunk, _encoding, done) => done() });
  try {
    await pipeline(body.toStream(), sink);
    return true;
  } catch (error) {
    if (isStoreError(error) || isMissing(error)) return false;
    throw error;
  }
}
