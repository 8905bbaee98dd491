// A batch's items read in order from their sources (this target's store, and one stream per other
// target: peer-parts.ts), opened a window ahead (item-window.ts): what a GetBatch and the archive
// job write into their archives.
import type { BatchItem } from '../../../api/native/index.js';
import type { BucketJson } from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ShardAccess } from './batch-items.js';
import { ItemWindow, type Outcome } from './item-window.js';
import { BatchSources } from './peer-parts.js';

export interface BatchReadingOptions {
  /** False: sizes and failures only (a multipart answer's metadata). */
  bodies: boolean;
  /** `coloc` 2: each shard opened once for all its files in the batch, here and on the peers. */
  reuseShards: boolean;
}

export class BatchReading {
  readonly #sources: BatchSources;
  readonly #window: ItemWindow;

  constructor(
    runtime: NodeRuntime,
    shards: ShardAccess,
    items: readonly BatchItem[],
    options: BatchReadingOptions,
  ) {
    this.#sources = new BatchSources(runtime, shards, items, options);
    this.#window = new ItemWindow(
      (index) => this.#sources.open(index),
      items.length,
      shards.budget,
    );
  }

  /** Item `index` (taken in order, each once): opened, or why it could not be. */
  take(index: number): Promise<Outcome> {
    return this.#window.take(index);
  }

  /** As `take`, at once when the item is opened already (undefined: it is not yet). */
  takeNow(index: number): Outcome | undefined {
    return this.#window.takeNow(index);
  }

  /** Every item was taken (and read or closed). */
  finish(): void {
    this.#sources.close();
  }

  /** Drops the peers' streams, then closes what was opened ahead. */
  async abandon(): Promise<void> {
    this.#sources.close();
    await this.#window.discard();
  }
}

/** Whole objects of one bucket, in order (the archive job's). */
export function readObjects(
  runtime: NodeRuntime,
  shards: ShardAccess,
  bucket: BucketJson,
  names: readonly string[],
): BatchReading {
  const items = names.map((name): BatchItem => ({
    bucket,
    name,
    archpath: '',
    start: 0,
    length: 0,
    opaque: undefined,
  }));
  return new BatchReading(runtime, shards, items, {
    bodies: true,
    reuseShards: false,
  });
}
