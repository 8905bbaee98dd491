// `POST /v1/batch-parts` on a target's intra-cluster port: a designated target asks for this
// target's items of a GetBatch, all at once (wire: src/wire/shards/batch-parts.ts). They are opened
// a window ahead, as the designated target opens its own, and streamed back in the order asked,
// each a header then its bytes (with `bodies`); a failure to open one (a miss, a bad range) is a
// failure part and the stream goes on; a failure while an item's bytes are sent cuts the stream.
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describeError, readJsonBody } from '../../../api/common/index.js';
import type { BatchItem, InternalRoute } from '../../../api/native/index.js';
import { StoreError, badRequest } from '../../../errors/index.js';
import { asRecord } from '../../../util/json.js';
import { copiedMaxBytes, takeLease, type BytesLease } from '../../../util/streams/memory-body.js';
import { writeOrDrain } from '../../../util/write-chunk.js';
import {
  BatchPartKind,
  ContentType,
  encodeBatchPartHeader,
  Header,
  parseBucketJson,
} from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { close, openHere, type ShardAccess } from './batch-items.js';
import { ItemWindow } from './item-window.js';
import { OpenedShards } from './object-archive-source.js';

export function batchPartsRoute(runtime: NodeRuntime, shards: ShardAccess): InternalRoute {
  return async (context, segments) => {
    if (segments.length > 0 || context.method !== 'POST')
      throw new StoreError('MethodNotAllowed', `${context.method} ${context.path} is not served`);
    const { items, bodies, reuseShards, widenForSmall } = parseRequest(await readJsonBody(context));
    const access = reuseShards ? { ...shards, reuse: new OpenedShards() } : shards;
    const { res } = context;
    res.statusCode = 200;
    res.setHeader(Header.contentType, ContentType.octetStream);
    const window = new ItemWindow(
      (index) => openHere(access, items[index] as BatchItem),
      items.length,
      shards.budget,
      widenForSmall,
    );
    try {
      for (let index = 0; index < items.length; index += 1) {
        const outcome = await window.take(index);
        if ('error' in outcome) {
          const { code, message } = describeError(outcome.error);
          const text = JSON.stringify({ tcode: code, message });
          res.write(encodeBatchPartHeader(BatchPartKind.failure, 0, text));
          continue;
        }
        const { size, body } = outcome.opened;
        const header = encodeBatchPartHeader(BatchPartKind.item, size);
        uncorkAfterTurn(res);
        const lease = bodies ? takeLease(body) : undefined;
        if (lease !== undefined) {
          await sendWhole(header, lease, size, res);
          continue;
        }
        res.write(header);
        if (bodies) await send(body, size, res);
        else close(outcome.opened);
      }
      res.end();
    } catch (error) {
      await window.discard();
      runtime.log.warn('GetBatch parts cut', { error: String(error) });
      res.destroy(error instanceof Error ? error : new Error(String(error)));
    }
  };
}

/**
 * Holds the writes of this turn (the parts of the items already opened, read in one turn) for one
 * system call at its end, where each part's write was one.
 */
function uncorkAfterTurn(res: Writable): void {
  if (res.writableCorked > 0) return;
  res.cork();
  process.nextTick(() => res.uncork());
}

/**
 * An item read whole into memory: a small one goes out with its header in one write; a large one
 * as two writes of the same turn (the response is corked: one system call), not copied, and its
 * pooled buffer goes back to the store's pool once the socket has taken it (1 MiB of garbage per
 * item otherwise).
 */
async function sendWhole(
  header: Buffer,
  lease: BytesLease,
  size: number,
  res: Writable,
): Promise<void> {
  const { bytes, release } = lease;
  if (bytes.length !== size) {
    release();
    throw sizeMismatch(bytes.length, size);
  }
  if (bytes.length <= copiedMaxBytes) {
    release();
    await writeOrDrain(res, Buffer.concat([header, bytes]));
    return;
  }
  res.write(header);
  // `release` runs once the socket is done with the bytes, written or failed.
  await writeOrDrain(res, bytes, release);
}

/** The item's bytes; a length other than announced cuts the stream (the parts would misalign). */
async function send(body: Readable, size: number, res: Writable): Promise<void> {
  let sent = 0;
  body.on('data', (chunk: Buffer) => {
    sent += chunk.length;
  });
  await pipeline(body, res, { end: false });
  if (sent !== size) throw sizeMismatch(sent, size);
}

function sizeMismatch(sent: number, size: number): StoreError {
  return new StoreError('Internal', `GetBatch part: ${sent} bytes read, ${size} announced`);
}

function parseRequest(value: unknown): {
  items: BatchItem[];
  bodies: boolean;
  reuseShards: boolean;
  widenForSmall: boolean;
} {
  const record = asRecord(value);
  const items = record?.items;
  if (record === undefined || !Array.isArray(items) || typeof record.bodies !== 'boolean')
    throw badRequest('batch parts: expecting {"items": [...], "bodies": true|false}');
  return {
    items: items.map(parseItem),
    bodies: record.bodies,
    reuseShards: record.reuseShards === true,
    widenForSmall: record.widenForSmall === true,
  };
}

function parseItem(value: unknown, index: number): BatchItem {
  const record = asRecord(value) ?? {};
  const bucket = parseBucketJson(record.bucket);
  const { objname, archpath = '', start = 0, length = 0 } = record;
  if (
    typeof bucket === 'string' ||
    typeof objname !== 'string' ||
    typeof archpath !== 'string' ||
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(length)
  )
    throw badRequest(`batch parts: item ${index} is malformed`);
  return {
    bucket,
    name: objname,
    archpath,
    start: start as number,
    length: length as number,
    opaque: undefined,
  };
}
