// GetBatch on the designated target: the items are opened a bounded window ahead (in parallel
// across owners) and written to one archive in request order, as it streams to the client. A miss
// with `coer` is an empty `__404__/...` entry; any other failure before the first byte is the
// answer's status, after it a destroyed response (a truncated archive, never a complete-looking one).
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { RequestContext } from '../../../api/common/index.js';
import type { BatchItem, BatchPort, BatchRequest } from '../../../api/native/index.js';
import { contentTypeOf, createArchiveWriter } from '../../../archive/index.js';
import { notImplemented } from '../../../errors/index.js';
import { Header, missingEntryPrefix } from '../../../wire/index.js';
import { lookupBucket } from '../../common/bucket-lookup.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { isMiss, openItem, type OpenedItem, type ShardAccess } from './batch-items.js';

/**
 * Items opened ahead of the one being written. Each holds an open file or a peer's response
 * (bounded by its socket buffers), so a batch's memory does not grow with its size.
 */
export const batchItemsInFlight = 16;

type Opening = Promise<{ opened: OpenedItem } | { error: unknown }>;

export class TargetBatch implements BatchPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly shards: ShardAccess,
  ) {}

  async getBatch(request: BatchRequest, context: RequestContext): Promise<void> {
    for (const item of request.items) lookupBucket(this.runtime, item.bucket);
    if (!request.streaming)
      throw notImplemented('GetBatch multipart output ("strm": false; ask with "strm": true)');
    const openings: Opening[] = [];
    const open = (index: number): void => {
      const item = request.items[index];
      if (item === undefined || openings[index] !== undefined) return;
      openings[index] = openItem(this.runtime, this.shards, item).then(
        (opened) => ({ opened }),
        (error: unknown) => ({ error }),
      );
    };
    for (let index = 0; index < batchItemsInFlight; index += 1) open(index);
    const first = await openings[0];
    if (
      first !== undefined &&
      'error' in first &&
      !(request.continueOnError && isMiss(first.error))
    ) {
      await this.#discard(openings, 1);
      throw first.error;
    }
    const writer = createArchiveWriter(request.format);
    const { res } = context;
    res.statusCode = 200;
    res.setHeader(Header.contentType, contentTypeOf(request.format));
    // A client gone away fails the writer too, so that no item waits on a dead archive.
    const sent = pipeline(writer.output, res).catch((error: unknown) => {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
    });
    const modifiedMs = this.runtime.clock.nowMs();
    try {
      for (let index = 0; index < request.items.length; index += 1) {
        open(index + batchItemsInFlight);
        const outcome = await openings[index];
        const item = request.items[index] as BatchItem;
        if (outcome === undefined) continue;
        if ('error' in outcome) {
          if (!request.continueOnError || !isMiss(outcome.error)) throw outcome.error;
          const name = `${missingEntryPrefix}${entryName(item, request.onlyObjectName)}`;
          await writer.add(name, 0, Readable.from([]), modifiedMs);
          continue;
        }
        const { size, body } = outcome.opened;
        await writer.add(entryName(item, request.onlyObjectName), size, body, modifiedMs);
      }
      writer.finish();
    } catch (error) {
      await this.#discard(openings, 0);
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      this.runtime.log.warn('GetBatch failed mid-stream', { error: String(error) });
    }
    await sent;
  }

  /** Closes what was opened ahead and will not be written. */
  async #discard(openings: readonly (Opening | undefined)[], from: number): Promise<void> {
    for (const opening of openings.slice(from)) {
      const outcome = await opening;
      if (outcome !== undefined && 'opened' in outcome) outcome.opened.body.destroy();
    }
  }
}

/** `<bucket>/<objname>[/<archpath>]`, or without the bucket (`onob`). */
function entryName(item: BatchItem, onlyObjectName: boolean): string {
  const object = onlyObjectName ? item.name : `${item.bucket.name}/${item.name}`;
  return item.archpath === '' ? object : `${object}/${item.archpath.replace(/^\/+/, '')}`;
}
