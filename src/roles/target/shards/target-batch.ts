// GetBatch on the designated target: the items are opened a bounded window ahead, its own from its
// store and every other target's out of one stream from that target (peer-parts.ts), and written
// to one archive in request order, as it streams to the client. A miss
// with `coer` is an empty `__404__/...` entry; any other failure before the first byte is the
// answer's status, after it a destroyed response (a truncated archive, never a complete-looking one).
// The streaming answer (`strm`) is the archive; the multipart one puts the metadata (every item's
// size and error) first, so its items are opened twice: once to describe them, once to send them.
import { randomBytes } from 'node:crypto';
import type { RequestContext } from '../../../api/common/index.js';
import type { BatchItem, BatchPort, BatchRequest } from '../../../api/native/index.js';
import { contentTypeOf, createArchiveWriter, type ArchiveWriter } from '../../../archive/index.js';
import { StoreError } from '../../../errors/index.js';
import { randomId } from '../../../util/ids.js';
import { writeByTurns } from '../../../util/streams/turn-writes.js';
import {
  batchMultipartFraming,
  Header,
  missingEntryPrefix,
  type MossOutJson,
} from '../../../wire/index.js';
import { lookupBuckets } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { close, isMiss, type ShardAccess } from './batch-items.js';
import type { Outcome } from './item-window.js';
import { BatchReading } from './batch-reading.js';

/**
 * GetBatch requests a target serves at once; one more is refused with 429. With the window of
 * `batchItemsInFlight` items (item-window.ts), this bounds what batches hold in flight: 16 × 16
 * open items (each a file or a socket's buffers); small items read whole, up to 64 ahead (64 KiB
 * each at most: 4 MiB a batch). Items taken are out of the window's count: what the TAR writer
 * holds for the client's socket is up to 1 MiB a batch, one item waiting in its pack beyond that
 * (tar-archive.ts `#packFull`), and one turn's writes of it.
 */
export const batchesInProgressMax = 16;

/**
 * The target's pending-work watermark (AIStore's PrepRx): items of the batches in progress. A
 * batch that would take it over is refused with 429, unless the target serves no other batch.
 */
export const pendingBatchItemsMax = 1_000_000;

/**
 * The streamed archive's slab (tar-archive.ts `EntrySlab`): the small files laid out in one
 * buffer before they go on as one chunk. 256 KiB, not the writer's 64: a quarter of the chunks
 * through the pack, the output and the response (1,000 x 4 KiB: ~16 a batch, not ~64). The same
 * playground's batches, this size or 64 KiB by turns (docs/profiling.md, gb4k7): wall -3.4 ms
 * (13 of 20 rounds lower), node CPU -3.6 ms (14 of 20); the first byte waits for the first
 * slab (+3.6 ms).
 */
const streamedSlabBytes = 256 * 1024;

export class TargetBatch implements BatchPort {
  #inProgress = 0;
  #pendingItems = 0;

  constructor(
    private readonly runtime: NodeRuntime,
    private readonly shards: ShardAccess,
  ) {}

  async getBatch(request: BatchRequest, context: RequestContext): Promise<void> {
    lookupBuckets(this.runtime, request.items);
    const items = request.items.length;
    this.#admit(items);
    this.#inProgress += 1;
    this.#pendingItems += items;
    try {
      if (request.streaming) await this.#stream(request, context);
      else await this.#multipart(request, context);
    } finally {
      this.#inProgress -= 1;
      this.#pendingItems -= items;
    }
  }

  #admit(items: number): void {
    this.shards.budget.admit();
    if (this.#inProgress >= batchesInProgressMax)
      throw new StoreError(
        'TooManyRequests',
        `GetBatch: ${this.#inProgress} batches in progress (limit ${batchesInProgressMax}): try again later`,
      );
    if (this.#inProgress > 0 && this.#pendingItems + items > pendingBatchItemsMax)
      throw new StoreError(
        'TooManyRequests',
        `GetBatch: ${this.#pendingItems} items pending, ${items} more would exceed ${pendingBatchItemsMax}: try again later`,
      );
  }

  #reading(request: BatchRequest, bodies: boolean): BatchReading {
    const reuseShards = request.colocation >= 2;
    return new BatchReading(this.runtime, this.shards, request.items, {
      bodies,
      reuseShards,
    });
  }

  /** `strm`: the archive itself; a failure of the first item is still the answer's status. */
  async #stream(request: BatchRequest, context: RequestContext): Promise<void> {
    const reading = this.#reading(request, true);
    const first = await reading.take(0);
    if ('error' in first && !(request.continueOnError && isMiss(first.error))) {
      await reading.abandon();
      throw first.error;
    }
    const writer = createArchiveWriter(request.format, { slabBytes: streamedSlabBytes });
    const { res } = context;
    res.statusCode = 200;
    res.setHeader(Header.contentType, contentTypeOf(request.format));
    // A client gone away fails the writer too, so that no item waits on a dead archive.
    // A turn's chunks in one socket write (a peer's 1 MiB part as one `writev`, not 16).
    const sent = writeByTurns(writer.output, res).catch((error: unknown) => {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
    });
    await this.#fill(request, writer, reading, first, undefined);
    await sent;
  }

  /**
   * Multipart: every item is described first (its size, or its miss), so that any failure is the
   * answer's status; then the metadata part and the archive part stream. An item that changed in
   * between fails the answer mid-way (never an archive that disagrees with its metadata).
   */
  async #multipart(request: BatchRequest, context: RequestContext): Promise<void> {
    const out = await this.#describe(request);
    const xid = request.xid ?? randomId(10);
    const framing = batchMultipartFraming(randomBytes(16).toString('hex'), xid, {
      uuid: xid,
      out,
    });
    const writer = createArchiveWriter(request.format);
    const { res } = context;
    res.statusCode = 200;
    res.setHeader(Header.contentType, framing.contentType);
    res.write(framing.head);
    const sent = writeByTurns(writer.output, res, framing.tail).catch((error: unknown) => {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
    });
    const reading = this.#reading(request, true);
    const sizes = out.map((item) => item.size);
    await this.#fill(request, writer, reading, await reading.take(0), sizes);
    await sent;
  }

  /** Each item's metadata, opened (and closed) a window ahead; a failure not turned into a miss throws. */
  async #describe(request: BatchRequest): Promise<MossOutJson[]> {
    const reading = this.#reading(request, false);
    const out: MossOutJson[] = [];
    for (const [index, item] of request.items.entries()) {
      const outcome = await reading.take(index);
      const described: MossOutJson = {
        objname: item.name,
        ...(item.archpath === '' ? {} : { archpath: item.archpath }),
        bucket: item.bucket.name,
        provider: item.bucket.provider,
        ...(item.opaque === undefined ? {} : { opaque: item.opaque.toString('base64') }),
        size: 0,
      };
      if ('error' in outcome) {
        if (!request.continueOnError || !isMiss(outcome.error)) {
          await reading.abandon();
          throw outcome.error;
        }
        described.err_msg = String((outcome.error as Error).message);
      } else {
        close(outcome.opened);
        described.size = outcome.opened.size;
      }
      out.push(described);
    }
    reading.finish();
    return out;
  }

  /** Writes every item in order (`sizes`: what the metadata announced), then ends the archive. */
  async #fill(
    request: BatchRequest,
    writer: ArchiveWriter,
    reading: BatchReading,
    first: Outcome,
    sizes: readonly number[] | undefined,
  ): Promise<void> {
    const modifiedMs = this.runtime.clock.nowMs();
    try {
      for (const [index, item] of request.items.entries()) {
        // An item opened already is taken and added with no promise (most small ones are).
        const outcome =
          index === 0 ? first : (reading.takeNow(index) ?? (await reading.take(index)));
        const name = entryName(item, request.onlyObjectName);
        let added: Promise<void> | undefined;
        if ('error' in outcome) {
          if (!request.continueOnError || !isMiss(outcome.error)) throw outcome.error;
          checkSize(item, 0, sizes?.[index]);
          added = writer.add(`${missingEntryPrefix}${name}`, 0, [], modifiedMs);
        } else {
          const { size, body } = outcome.opened;
          if (!sameSize(size, sizes?.[index])) close(outcome.opened);
          checkSize(item, size, sizes?.[index]);
          added = writer.add(name, size, body, modifiedMs);
        }
        if (added !== undefined) await added;
      }
      reading.finish();
      writer.finish();
    } catch (error) {
      await reading.abandon();
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      this.runtime.log.warn('GetBatch failed mid-stream', { error: String(error) });
    }
  }
}

function sameSize(size: number, announced: number | undefined): boolean {
  return announced === undefined || announced === size;
}

function checkSize(item: BatchItem, size: number, announced: number | undefined): void {
  if (!sameSize(size, announced))
    throw new StoreError(
      'Conflict',
      `GetBatch: ${item.bucket.name}/${item.name} changed during the batch (${announced} bytes announced, ${size} now)`,
    );
}

/** `<bucket>/<objname>[/<archpath>]`, or without the bucket (`onob`). */
function entryName(item: BatchItem, onlyObjectName: boolean): string {
  const object = onlyObjectName ? item.name : `${item.bucket.name}/${item.name}`;
  return item.archpath === '' ? object : `${object}/${item.archpath.replace(/^\/+/, '')}`;
}
