// Cold GET: an object of a remote bucket that is not here (or whose replica is lost) is fetched
// from the backend once, streamed to the client while it is written and checksummed, and becomes
// visible only when complete (the store's work file and rename). Concurrent cold GETs of one
// object share that one fetch: the others wait for it and then read the stored object. The
// remote's ETag, version, last-modified time and custom metadata are kept in the object's record.
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import {
  RemoteMetadataKey,
  type Backend,
  type RemoteObject,
  type RemoteRead,
} from '../../../backends/index.js';
import type { LocalStore, PutObjectRequest, StoredObject } from '../../../storage/index.js';
import type { Clock } from '../../../util/clock.js';
import { objectUname } from '../../../wire/index.js';
import { StreamedBody } from './streamed-body.js';
import type { ObjectRead, ObjectTarget, ResolvedBucket } from './object-types.js';

/**
 * Where a cold GET's bytes come from: the backend's one GET by default; a blob download reads
 * them in parallel ranges. `settled` hears how the fetch ended (undefined: the object is stored).
 */
export type ColdSource = () => Promise<RemoteRead & { settled?: (error: unknown) => void }>;

export class ColdReads {
  /** Fetches in progress, by object uname: what they stored, when they are done. */
  readonly #fetches = new Map<string, Promise<StoredObject>>();

  constructor(
    private readonly store: LocalStore,
    private readonly clock: Clock,
    /** Protection and placement of what was stored, as after any write. */
    private readonly afterStore: (bucket: ResolvedBucket, object: StoredObject) => Promise<void>,
  ) {}

  /**
   * Serves a cold GET. A whole-object read with no fetch in progress streams the remote body as it
   * arrives; a ranged read, or one that finds a fetch in progress, waits until the object is
   * stored and then reads it (`readStored`).
   */
  async get(
    target: ObjectTarget,
    source: ColdSource,
    whole: boolean,
    readStored: () => Promise<ObjectRead>,
  ): Promise<ObjectRead> {
    const key = objectUname(target.bucket.bucket, target.name);
    const inProgress = this.#fetches.get(key);
    if (inProgress !== undefined || !whole) {
      await (inProgress ?? this.#start(key, target, source, false).stored);
      return await readStored();
    }
    const fetch = this.#start(key, target, source, true);
    const { remote, body } = await fetch.streaming;
    return {
      object: describeRemote(target, remote, this.clock),
      body: new StreamedBody(body),
      range: undefined,
    };
  }

  /** Fetches the object into the store (nothing is kept when the remote fails part-way). */
  fetch(target: ObjectTarget, source: ColdSource): Promise<StoredObject> {
    const key = objectUname(target.bucket.bucket, target.name);
    return this.#fetches.get(key) ?? this.#start(key, target, source, false).stored;
  }

  /**
   * Starts the one fetch of `key`, registered before anything is awaited. With `stream`,
   * `streaming` resolves with a stream of the bytes for the client once the remote answered (the
   * client may abandon it; the fetch goes on); `stored` once the object is committed.
   */
  #start(
    key: string,
    target: ObjectTarget,
    source: ColdSource,
    stream: boolean,
  ): {
    streaming: Promise<{ remote: RemoteObject; body: Readable }>;
    stored: Promise<StoredObject>;
  } {
    let answered: (value: { remote: RemoteObject; body: Readable }) => void = () => undefined;
    let refused: (error: unknown) => void = () => undefined;
    const streaming = new Promise<{ remote: RemoteObject; body: Readable }>((resolve, reject) => {
      answered = resolve;
      refused = reject;
    });
    const stored = (async () => {
      let remote;
      try {
        remote = await source();
      } catch (error) {
        refused(error);
        throw error;
      }
      // With no client (a prefetch, a second reader), the store reads the remote's body itself
      // (its writer sees the body's errors); a client's copy needs a second, buffered branch, as
      // the store starts reading only once its work file is open, and reads in its own way (a
      // small object whole, by async iteration; a large one piped into its work file).
      const toClient = stream ? new HeldTail() : undefined;
      const branch = toClient === undefined ? undefined : new PassThrough();
      const toStore = branch ?? remote.body;
      const { body } = remote;
      // Also keeps an error raised before the store reads from being unhandled.
      body.once('error', (error) => {
        branch?.destroy(error);
        toClient?.destroy(error);
      });
      if (toClient !== undefined && branch !== undefined) {
        body.pipe(branch);
        // The client's last bytes are sent only once the object is committed, so a client that
        // has every byte (even one that stops at Content-Length) finds the object listed and
        // local at once (read-after-write); a failed commit cuts the answer. Errors reach the
        // reader through its iterator; the listener keeps one raised before it starts reading
        // from being unhandled.
        toClient.on('error', () => undefined);
        body.pipe(toClient);
        // A client that leaves mid-answer must not stall the store: with two destinations, a
        // source paused for the client's drain stays paused once the client is destroyed (its
        // unpipe does not drop it from the writers the source waits for), so the store would
        // never get the rest. Unpiped by hand and resumed, the source waits for the store alone.
        toClient.once('close', () => {
          if (body.readableEnded) return;
          body.unpipe(toClient);
          body.resume();
        });
        answered({ remote: remote.object, body: toClient });
      }
      let object: StoredObject;
      try {
        object = await this.store.putObject(coldPutRequest(target, remote.object, toStore));
      } catch (error) {
        toClient?.destroy(error instanceof Error ? error : new Error(String(error)));
        // The remote's body stops too (a failed store no longer reads it).
        remote.body.destroy();
        remote.settled?.(error);
        throw error;
      }
      toClient?.release();
      try {
        await this.afterStore(target.bucket, object);
      } catch (error) {
        remote.settled?.(error);
        throw error;
      }
      remote.settled?.(undefined);
      return object;
    })();
    this.#fetches.set(key, stored);
    // Waiters see the failure; the map entry goes either way.
    stored.then(
      () => this.#fetches.delete(key),
      () => this.#fetches.delete(key),
    );
    // A streaming read that never reaches the client must not leave an unhandled rejection.
    streaming.catch(() => undefined);
    return { streaming, stored };
  }
}

/**
 * The client's copy of a cold GET's bytes: every chunk but the last flows as it arrives (with the
 * client's backpressure); the last, and the end, wait for `release()`.
 */
export class HeldTail extends Transform {
  #held: Buffer | undefined;
  #flushed: TransformCallback | undefined;
  #released = false;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    const previous = this.#held;
    this.#held = chunk;
    callback(null, previous);
  }

  override _flush(callback: TransformCallback): void {
    this.#flushed = callback;
    if (this.#released) this.#finish();
  }

  /** The object is committed: the last chunk and the end may go. */
  release(): void {
    this.#released = true;
    if (this.#flushed !== undefined) this.#finish();
  }

  #finish(): void {
    const callback = this.#flushed;
    this.#flushed = undefined;
    callback?.(null, this.#held);
  }
}

/**
 * An object as its backend describes it: what a HEAD of an object the cluster does not hold
 * answers, and what the first client of a cold GET is told before the object is stored (no
 * checksum yet: none is sent).
 */
export function describeRemote(
  target: ObjectTarget,
  remote: RemoteObject,
  clock: Clock,
): StoredObject {
  const nowMs = clock.nowMs();
  return {
    bucket: target.bucket.bucket,
    name: target.name,
    size: remote.size,
    checksum: { type: 'none', value: '' },
    ...(remote.version === undefined ? {} : { version: remote.version }),
    customMetadata: remoteMetadata(target.bucket, remote),
    copies: [],
    accessTimeNs: BigInt(nowMs) * 1_000_000n,
    modifiedTimeMs: remote.lastModifiedMs ?? nowMs,
    mountpath: '',
    ...(remote.etag === undefined ? {} : { etag: remote.etag }),
    contentHeaders: {},
    tags: {},
    extraChecksums: {},
  };
}

/** A cold GET's usual source: the backend's GET of the whole object. */
export function backendSource(backend: Backend, name: string): ColdSource {
  return () => backend.get(name);
}

/** The remote's attributes as the object's custom metadata (with the remote's own). */
export function remoteMetadata(
  bucket: ResolvedBucket,
  remote: RemoteObject,
): Record<string, string> {
  const metadata: Record<string, string> = {
    ...remote.customMetadata,
    [RemoteMetadataKey.source]: bucket.bucket.provider,
  };
  if (remote.etag !== undefined) metadata[RemoteMetadataKey.etag] = remote.etag;
  if (remote.version !== undefined) metadata[RemoteMetadataKey.version] = remote.version;
  if (remote.lastModifiedMs !== undefined)
    metadata[RemoteMetadataKey.lastModified] = new Date(remote.lastModifiedMs).toUTCString();
  return metadata;
}

/** Stores a remote object as the remote has it: its version, ETag and metadata. */
function coldPutRequest(
  target: ObjectTarget,
  remote: RemoteObject,
  body: Readable,
): PutObjectRequest {
  const { bucket, props, history } = target.bucket;
  const { etag } = remote;
  return {
    bucket,
    name: target.name,
    body,
    contentLength: remote.size,
    checksumType: props.checksum.type,
    customMetadata: remoteMetadata(target.bucket, remote),
    versioning: false,
    ...(remote.version === undefined ? {} : { version: remote.version }),
    ...(etag === undefined ? {} : { finish: () => ({ etag }) }),
    history,
  };
}
