// The designated target's side of a GetBatch's items held by other targets: one intra-cluster
// request per peer per batch (`POST /v1/batch-parts`), its answer read as a stream of parts in the
// order asked. A part of up to `wholePartBytes` is read whole with its header (in memory, not a
// stream); a larger one's body is a Readable over the next `size` bytes of the peer's stream, so
// the next item of that peer opens only once that body is read or closed (what was left unread is
// skipped): the peer's stream advances as the archive is written (socket back-pressure). A small
// part that lies whole in the chunk read last is taken from it at once (`partNow`): no promise per
// read.
import { Readable } from 'node:stream';
import type { BatchItem } from '../../../api/native/index.js';
import { StoreError } from '../../../errors/index.js';
import { peerError } from '../../../transport/index.js';
import { invariant } from '../../../util/assert.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import { ByteReader } from '../../../util/streams/byte-reader.js';
import { copiedMaxBytes } from '../../../util/streams/memory-body.js';
import { chunksOf } from '../../../util/streams/stream-chunks.js';
import {
  apiPath,
  BatchPartKind,
  batchPartHeaderBytes,
  ContentType,
  decodeBatchPartHeader,
  Header,
  objectUname,
  Resource,
  type BatchPartJson,
  type BatchPartsRequestJson,
} from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import { readSmallBody } from '../../../api/common/body.js';
import { openBatchItemHere, type OpenedItem, type ShardAccess } from './batch-items.js';
import { OpenedShards } from './object-archive-source.js';

/** Longest wait for a peer's answer, and between two chunks of it. */
const peerReadTimeoutMs = 60_000;
const maxErrorBytes = 64 * 1024;
/**
 * Parts up to this size are read whole with their header (one buffer handed on, no stream of
 * their own), and the peer's next part is read at once: the window's items of every peer arrive
 * concurrently while the archive is written. A larger part is a stream read as the archive takes
 * it, and holds back that peer's later parts until then. With `batchItemsInFlight` opened ahead,
 * a batch holds at most 16 MiB of whole parts (the archive job: 64 MiB once, when its small
 * items, opened `smallItemsInFlight` ahead, turn to large ones); ahead of the item written, only
 * while the target is under `get_batch.max_inflight_bytes` (item-window.ts). The size is the
 * largest object a target reads whole to verify it (`storage.verify_in_memory_max_bytes`'
 * default), so an object that size crosses as it was read.
 */
const wholePartBytes = 1024 * 1024;

/** A part as read: with `bytes` when its body was read whole. */
interface Part {
  kind: number;
  size: number;
  message: string;
  bytes?: Buffer[] | undefined;
}

/** Reads a peer's stream part by part, one operation at a time. */
export class PartReader {
  readonly #bytes: ByteReader;
  #queue: Promise<unknown> = Promise.resolve();
  /** Operations queued and not settled yet. */
  #pending = 0;
  /** Bytes of the current item's body not read yet (skipped before the next header). */
  #bodyRemaining = 0;

  constructor(body: Promise<Readable>) {
    // The socket's chunks as they came (a Readable's own iterator joins those it holds: a copy).
    const chunks = body.then(chunksOf);
    chunks.catch(() => undefined);
    this.#bytes = new ByteReader(chunks);
  }

  /**
   * The next part's header and message; the unread rest of the previous body is skipped first. A
   * body of up to `wholePartBytes` comes with it (`bytes`), read whole: one buffer when small, the
   * chunks as they came otherwise.
   */
  header(bodies: boolean): Promise<Part> {
    return this.#serial(async () => {
      if (!(await this.#bytes.skip(this.#bodyRemaining))) throw endedEarly();
      this.#bodyRemaining = 0;
      const fixed = await this.#bytes.exactly(batchPartHeaderBytes);
      if (fixed === undefined) throw endedEarly();
      const header = decodeBatchPartHeader(fixed);
      if (typeof header === 'string')
        throw new StoreError('Internal', `GetBatch: a peer sent ${header}`);
      const message = await this.#bytes.exactly(header.messageLength);
      if (message === undefined) throw endedEarly();
      const part = { kind: header.kind, size: header.size, message: message.toString('utf8') };
      if (!bodies || header.kind !== BatchPartKind.item) return part;
      if (header.size > wholePartBytes) {
        this.#bodyRemaining = header.size;
        return part;
      }
      if (header.size <= copiedMaxBytes) {
        const bytes = await this.#bytes.exactly(header.size);
        if (bytes === undefined) throw endedEarly();
        return { ...part, bytes: [bytes] };
      }
      // A large part stays the socket's chunks (views, no copy into one buffer of its size).
      const bytes: Buffer[] = [];
      for (let left = header.size; left > 0;) {
        const chunk = await this.#bytes.some(left);
        if (chunk === undefined) throw endedEarly();
        bytes.push(chunk);
        left -= chunk.length;
      }
      return { ...part, bytes };
    });
  }

  /** Up to `max` bytes of the current body; undefined once it is all read. */
  bodyChunk(max: number): Promise<Buffer | undefined> {
    return this.#serial(async () => {
      if (this.#bodyRemaining === 0) return undefined;
      const chunk = await this.#bytes.some(Math.min(max, this.#bodyRemaining));
      if (chunk === undefined) throw endedEarly();
      this.#bodyRemaining -= chunk.length;
      return chunk;
    });
  }

  /**
   * The next part, when the reader is idle and its header, message and small body (or failure)
   * lie whole in the chunk read last: taken at once, without a promise per read (most small parts
   * do, a peer gathers them into 64 KiB writes). Undefined: not all there (`header` reads it).
   */
  partNow(bodies: boolean): Part | undefined {
    if (this.#pending > 0 || this.#bodyRemaining > 0) return undefined;
    const buffered = this.#bytes.buffered;
    if (buffered.length < batchPartHeaderBytes) return undefined;
    const header = decodeBatchPartHeader(buffered);
    if (typeof header === 'string') return undefined;
    const withBody = bodies && header.kind === BatchPartKind.item;
    if (withBody && header.size > copiedMaxBytes) return undefined;
    const messageEnd = batchPartHeaderBytes + header.messageLength;
    const end = messageEnd + (withBody ? header.size : 0);
    if (buffered.length < end) return undefined;
    const part = this.#bytes.takeBuffered(end);
    const message = part.toString('utf8', batchPartHeaderBytes, messageEnd);
    const { kind, size } = header;
    return withBody
      ? { kind, size, message, bytes: [part.subarray(messageEnd)] }
      : { kind, size, message };
  }

  #serial<T>(operation: () => Promise<T>): Promise<T> {
    this.#pending += 1;
    // Settled only once counted off: whoever awaits it finds the reader idle (`partNow`).
    const result = this.#queue.then(operation).finally(() => {
      this.#pending -= 1;
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }
}

function endedEarly(): StoreError {
  return new StoreError('PeerUnreachable', 'GetBatch: a peer ended its parts early');
}

/** One peer's items of a batch (their indexes in the batch, ascending), opened in that order. */
class PeerParts {
  readonly #reader: PartReader;
  readonly #response: Promise<Readable>;
  #next = 0;
  /** Settles once the previous item's body is read or closed (or the batch is abandoned). */
  #turn: Promise<void> = Promise.resolve();
  /** Items opened whose turn is not released yet (their body not read or closed). */
  #holding = 0;
  #closed = false;
  #abandon: (error: Error) => void = () => undefined;
  readonly #abandoned: Promise<never>;

  constructor(
    runtime: NodeRuntime,
    ownerUrl: string,
    private readonly indexes: number[],
    items: readonly BatchItem[],
    private readonly bodies: boolean,
    reuseShards: boolean,
  ) {
    this.#abandoned = new Promise<never>((_resolve, reject) => {
      this.#abandon = reject;
    });
    this.#abandoned.catch(() => undefined);
    const request: BatchPartsRequestJson = {
      bodies,
      reuseShards,
      items: indexes.map((index) => partOf(items[index] as BatchItem)),
    };
    this.#response = requestParts(runtime, ownerUrl, request);
    this.#response.catch(() => undefined);
    this.#reader = new PartReader(this.#response);
  }

  /**
   * The item, at once when its part lies whole in the chunk read last (a failure part throws);
   * otherwise once its part is read.
   */
  open(index: number): OpenedItem | Promise<OpenedItem> {
    invariant(this.indexes[this.#next] === index, 'GetBatch: a peer item opened out of order');
    this.#next += 1;
    if (this.#holding === 0 && !this.#closed) {
      const part = this.#reader.partNow(this.bodies);
      if (part !== undefined) return this.#whole(part);
    }
    const previous = this.#turn;
    let resolveTurn = (): void => undefined;
    this.#turn = new Promise((resolve) => {
      resolveTurn = resolve;
    });
    this.#holding += 1;
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.#holding -= 1;
      resolveTurn();
    };
    return Promise.race([previous, this.#abandoned]).then(async () => {
      try {
        return await this.#openPart(release);
      } catch (error) {
        release();
        throw error;
      }
    });
  }

  /** Ends the exchange with the peer (whatever is still unread is dropped). */
  close(): void {
    this.#closed = true;
    this.#abandon(new StoreError('Internal', 'GetBatch abandoned'));
    void this.#response.then(
      (body) => destroyQuietly(body),
      () => undefined,
    );
  }

  /** A failure part's error, or an item whose bytes came whole (`bytes`: no stream) or has none. */
  #whole(part: Part): OpenedItem {
    const { kind, size, message, bytes } = part;
    if (kind === BatchPartKind.failure) throw peerError('GET', 'batch part', 500, message);
    return { size, body: bytes ?? [] };
  }

  async #openPart(release: () => void): Promise<OpenedItem> {
    // An item opened behind one not read yet (a window refill runs ahead of the peer's chunks)
    // finds its part in the chunk that brought the one before, most often: taken at once, not
    // through the reader's queue (a dozen promises a part). Counted over 16 batches of 1,000 x
    // 4 KiB: 4,392 of 10,432 peer items were opened behind another.
    const part = this.#reader.partNow(this.bodies) ?? (await this.#reader.header(this.bodies));
    const { kind, size, bytes } = part;
    if (kind === BatchPartKind.failure || bytes !== undefined) {
      release();
      return this.#whole(part);
    }
    const reader = this.#reader;
    const body = new Readable({
      read(this: Readable, wanted: number) {
        reader.bodyChunk(Math.max(wanted, 64 * 1024)).then(
          (chunk) => this.push(chunk ?? null),
          (error: unknown) => this.destroy(error as Error),
        );
      },
    });
    body.once('close', release);
    if (!this.bodies || size === 0) body.push(null);
    return { size, body };
  }
}

/**
 * An item as asked of its owner: a whole object (most items) as its bucket and name alone, the
 * range and file left out (the owner takes them as 0 and '', as the wire allows): a third of the
 * request's keys a peer parses, and of the text made here.
 */
function partOf(item: BatchItem): BatchPartJson {
  const { bucket, name, archpath, start, length } = item;
  if (archpath === '' && start === 0 && length === 0) return { bucket, objname: name };
  return { bucket, objname: name, archpath, start, length };
}

async function requestParts(
  runtime: NodeRuntime,
  ownerUrl: string,
  request: BatchPartsRequestJson,
): Promise<Readable> {
  const url = `${ownerUrl}${apiPath(Resource.batchParts)}`;
  const response = await runtime.client.stream(url, {
    method: 'POST',
    headers: { [Header.contentType]: ContentType.json },
    body: Readable.from([JSON.stringify(request)]),
    timeoutMs: peerReadTimeoutMs,
  });
  if (response.statusCode >= 300) {
    const text = await readSmallBody(response.body, maxErrorBytes, 'peer error');
    throw peerError('POST', url, response.statusCode, text.toString('utf8'));
  }
  return response.body;
}

/**
 * The sources of a batch's items: this target's own read here, every other target's asked of it
 * in one stream. `bodies` false: sizes and failures only (the metadata of a multipart answer).
 * `reuseShards` (`coloc` 2): here and on the peers, each shard is opened once for all its files.
 */
export class BatchSources {
  readonly #peers = new Map<string, PeerParts>();
  readonly #peerOf: (PeerParts | undefined)[];
  private readonly shards: ShardAccess;

  constructor(
    runtime: NodeRuntime,
    shards: ShardAccess,
    private readonly items: readonly BatchItem[],
    options: { bodies: boolean; reuseShards: boolean },
  ) {
    const { bodies, reuseShards } = options;
    this.shards = reuseShards ? { ...shards, reuse: new OpenedShards() } : shards;
    const map = runtime.store.clusterMap;
    const byOwner = new Map<string, { url: string; indexes: number[] }>();
    const owners = items.map((item, index) => {
      const owner = map?.ownerOf(objectUname(item.bucket, item.name));
      if (owner === undefined || owner.id === runtime.id) return undefined;
      const group = byOwner.get(owner.id) ?? { url: owner.dataUrl, indexes: [] };
      group.indexes.push(index);
      byOwner.set(owner.id, group);
      return owner.id;
    });
    for (const [id, group] of byOwner)
      this.#peers.set(
        id,
        new PeerParts(runtime, group.url, group.indexes, items, bodies, reuseShards),
      );
    this.#peerOf = owners.map((id) => (id === undefined ? undefined : this.#peers.get(id)));
  }

  open(index: number): OpenedItem | Promise<OpenedItem> {
    const peer = this.#peerOf[index];
    if (peer !== undefined) return peer.open(index);
    return openBatchItemHere(this.shards, this.items[index] as BatchItem);
  }

  /** Ends every peer's stream; call once the batch is written or abandoned. */
  close(): void {
    for (const peer of this.#peers.values()) peer.close();
  }
}
