// Reads on behalf of an unreachable owner. A gateway that finds an object's owner down (connection
// refused) sends reads to the next target in HRW order, marked as standing in for the owner. That
// target serves the object from what survives elsewhere: its own copy if it has one (it may be the
// previous owner), else the bytes rebuilt from the other targets' EC pieces, streamed and checked
// but never stored here (a copy on a target that does not own the object would be misplaced, and
// stale after the owner returns and the object changes).
import { Readable, type Writable } from 'node:stream';
import { resolveRange, type ResolvedRange } from '../../../api/common/index.js';
import type { ObjectAddress } from '../../../api/native/index.js';
import { StoreError, objectNotFound } from '../../../errors/index.js';
import {
  restoredAttributes,
  type DataProtection,
  type SurvivingObject,
} from '../../../protect/index.js';
import type { ObjectReadResult, StoredObject } from '../../../storage/index.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import { writeChunk } from '../../../util/write-chunk.js';
import type { ErasureMetadataJson } from '../../../wire/index.js';
import { readFailureOf, type HookedObjects } from './hooked-objects.js';

/** A body read from a stream (the rebuilt object), for the API ports. */
class StreamedBody {
  #taken = false;

  constructor(private readonly stream: Readable) {}

  /** Writes the bytes to a socket-backed destination, one chunk in flight at a time. */
  async sendTo(destination: Writable): Promise<void> {
    const stream = this.toStream();
    try {
      for await (const chunk of stream) await writeChunk(destination, chunk as Buffer);
    } finally {
      destroyQuietly(stream);
    }
  }

  toStream(): Readable {
    if (this.#taken) throw new Error('object body already consumed');
    this.#taken = true;
    return this.stream;
  }

  discard(): Promise<void> {
    this.#taken = true;
    destroyQuietly(this.stream);
    return Promise.resolve();
  }
}

/** A substitute read's answer, shaped like the local store's. */
export interface SubstituteRead {
  object: StoredObject;
  body: StreamedBody | ObjectReadResult['body'];
  range: ResolvedRange | undefined;
}

export class SubstituteReads {
  constructor(
    private readonly objects: HookedObjects,
    private readonly protection: DataProtection,
  ) {}

  /** The object's description (from this target's copy, else from the EC metafiles). */
  async head(address: ObjectAddress, ownerId: string): Promise<StoredObject> {
    const local = await this.#local(() =>
      this.objects.store.headObject(address.bucket, address.name),
    );
    if (local !== undefined) return local;
    const surviving = await this.#surviving(address, ownerId);
    await new StreamedBody(surviving.body).discard();
    return describe(address, surviving.metadata);
  }

  /** The object's bytes (a range of them when `rangeHeader` is given). */
  async get(
    address: ObjectAddress,
    rangeHeader: string | undefined,
    ownerId: string,
  ): Promise<SubstituteRead> {
    const { store } = this.objects;
    const local = await this.#local(async () => {
      const info = await store.headObject(address.bucket, address.name);
      const range = rangeHeader === undefined ? undefined : resolveRange(rangeHeader, info.size);
      const read = await store.getObject(address.bucket, address.name, range);
      return { ...read, range };
    });
    if (local !== undefined) return local;
    const surviving = await this.#surviving(address, ownerId);
    const object = describe(address, surviving.metadata);
    let range: ResolvedRange | undefined;
    try {
      range = rangeHeader === undefined ? undefined : resolveRange(rangeHeader, object.size);
    } catch (error) {
      destroyQuietly(surviving.body);
      throw error;
    }
    // A range is cut out of the stream; its end is not reached, so it is not checked as a whole
    // (each slice was checked against its own checksum as it was decoded).
    const body = range === undefined ? surviving.body : sliceStream(surviving.body, range);
    return { object, body: new StreamedBody(body), range };
  }

  /** The local copy's read, or undefined when this target has none. */
  async #local<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      if (readFailureOf(error) === undefined) throw error;
      return undefined;
    }
  }

  /**
   * The object rebuilt from EC pieces. Not found when the bucket is erasure-coded and no piece
   * exists (every acknowledged PUT left them); without EC nothing can be said while the owner is
   * down, so the answer says that instead.
   */
  async #surviving(address: ObjectAddress, ownerId: string): Promise<SurvivingObject> {
    const props = this.objects.props(address);
    if (!props.ec.enabled) {
      throw new StoreError(
        'PeerUnreachable',
        `target t[${ownerId}] that stores ${address.name} is unreachable and the bucket is not erasure-coded`,
      );
    }
    const surviving = await this.protection.openSurviving(address.bucket, address.name, props);
    if (surviving === undefined)
      throw objectNotFound(this.protection.erasure.nodeId, address.bucket, address.name);
    return surviving;
  }
}

/** The stored-object description an EC metafile gives. */
function describe(address: ObjectAddress, metadata: ErasureMetadataJson): StoredObject {
  const attributes = restoredAttributes(metadata);
  const object: StoredObject = {
    bucket: address.bucket,
    name: address.name,
    size: metadata.obj_size,
    checksum: { type: metadata.cksum_type, value: metadata.obj_cksum },
    customMetadata: { ...metadata.custom_md },
    copies: [],
    accessTimeNs: 0n,
    // The encoding time (Unix microseconds): the object was encoded as its PUT committed.
    modifiedTimeMs: Math.floor(metadata.generation / 1000),
    mountpath: '',
    contentHeaders: attributes.contentHeaders ?? {},
    tags: attributes.tags ?? {},
    extraChecksums: attributes.extraChecksums ?? {},
  };
  if (metadata.obj_version !== '') object.version = metadata.obj_version;
  if (attributes.etag !== undefined) object.etag = attributes.etag;
  if (attributes.versionId !== undefined) object.versionId = attributes.versionId;
  if (attributes.versionStamp !== undefined) object.versionStamp = attributes.versionStamp;
  return object;
}

/** Bytes `range.start..range.end` of `source`; the source is destroyed once they are through. */
function sliceStream(source: Readable, range: ResolvedRange): Readable {
  return Readable.from(
    (async function* () {
      let position = 0;
      try {
        for await (const chunk of source) {
          const buffer = chunk as Buffer;
          const from = Math.max(0, range.start - position);
          const to = Math.min(buffer.length, range.end + 1 - position);
          position += buffer.length;
          if (to > from) yield buffer.subarray(from, to);
          if (position > range.end) break;
        }
      } finally {
        destroyQuietly(source);
      }
    })(),
    { objectMode: false },
  );
}
