// The EC pieces one target holds: slices and small-object replicas under `%ec`, each with its
// metafile under `%mt` (the metafile is written last: a piece without one does not exist). The
// owner keeps a metafile for its main replica too (slice 0, not a copy), with no `%ec` file.
import { Readable } from 'node:stream';
import { StoreError, isStoreError } from '../../errors/index.js';
import type { LocalStore, ObjectReadResult } from '../../storage/index.js';
import type { BucketJson, ErasureMetadataJson, StoredSliceJson } from '../../wire/index.js';
import { decodeErasureMetadata, encodeErasureMetadata, sameEncoding } from './ec-metadata.js';

/** True for the owner's metafile of its main replica (it describes `%ob`, not an `%ec` piece). */
export function isMainReplica(metadata: ErasureMetadataJson): boolean {
  return metadata.slice_id === 0 && !metadata.is_copy;
}

export class LocalPieces {
  constructor(private readonly objects: LocalStore) {}

  /**
   * Stores a piece and then its metafile (with the checksum computed over the bytes received), or
   * only the metafile of a main replica. Returns what was computed.
   */
  async store(
    bucket: BucketJson,
    metadata: ErasureMetadataJson,
    body: Readable | undefined,
    contentLength: number | undefined,
  ): Promise<StoredSliceJson> {
    const name = metadata.name;
    let stored: StoredSliceJson = { slice_cksum: '', size: 0 };
    if (isMainReplica(metadata)) {
      body?.resume();
      await this.#removeQuietly(bucket, name, 'ec');
    } else if (contentLength === 0 && metadata.obj_size > 0) {
      // No piece of a non-empty object is empty: this is a metadata change of the piece held.
      body?.resume();
      stored = await this.#heldPiece(bucket, metadata);
    } else {
      if (body === undefined) throw new Error('an EC piece needs its bytes');
      const piece = await this.objects.putObject({
        bucket,
        name,
        body,
        ...(contentLength === undefined ? {} : { contentLength }),
        checksumType: metadata.cksum_type,
        versioning: false,
        ...(metadata.obj_version === '' ? {} : { version: metadata.obj_version }),
        contentType: 'ec',
      });
      stored = { slice_cksum: piece.checksum.value, size: piece.size };
    }
    const record = { ...metadata, slice_cksum: stored.slice_cksum };
    await this.objects.putObject({
      bucket,
      name,
      body: Readable.from([encodeErasureMetadata(record)], { objectMode: false }),
      checksumType: 'xxhash',
      versioning: false,
      contentType: 'mt',
    });
    return stored;
  }

  /**
   * The metafile of what this target holds of the object, or undefined. With `verify`, a slice or
   * replica is read and checked too: a corrupt one is quarantined (by the store) and its metafile
   * removed, so the answer is undefined.
   */
  async metadata(
    bucket: BucketJson,
    name: string,
    verify = false,
  ): Promise<ErasureMetadataJson | undefined> {
    const metadata = await this.#readMetadata(bucket, name);
    if (metadata === undefined || isMainReplica(metadata)) return metadata;
    try {
      if (verify) {
        const read = await this.objects.getObject(bucket, name, undefined, {
          contentType: 'ec',
          verifyBeforeSend: true,
        });
        await read.body.discard();
      } else {
        await this.objects.headObject(bucket, name, { contentType: 'ec' });
      }
      return metadata;
    } catch (error) {
      if (!isLostPiece(error)) throw error;
      await this.#removeQuietly(bucket, name, 'mt');
      return undefined;
    }
  }

  /** The metafile and the verified bytes of the piece (the main replica for the owner's metafile). */
  async open(
    bucket: BucketJson,
    name: string,
  ): Promise<{ metadata: ErasureMetadataJson; read: ObjectReadResult } | undefined> {
    const metadata = await this.#readMetadata(bucket, name);
    if (metadata === undefined) return undefined;
    const contentType = isMainReplica(metadata) ? 'ob' : 'ec';
    const read = await this.objects.getObject(bucket, name, undefined, {
      contentType,
      verifyBeforeSend: true,
    });
    return { metadata, read };
  }

  /**
   * The piece held for `metadata`'s encoding (same generation, contents and slice), whose metafile
   * is about to be replaced; ObjectNotFound when this target holds another or none.
   */
  async #heldPiece(bucket: BucketJson, metadata: ErasureMetadataJson): Promise<StoredSliceJson> {
    const held = await this.metadata(bucket, metadata.name);
    if (held === undefined || !sameEncoding(held, metadata) || held.slice_id !== metadata.slice_id)
      throw new StoreError(
        'ObjectNotFound',
        `${bucket.name}/${metadata.name}: no piece of this encoding is held here`,
      );
    const piece = await this.objects.headObject(bucket, metadata.name, { contentType: 'ec' });
    return { slice_cksum: held.slice_cksum, size: piece.size };
  }

  /** Removes the piece and its metafile; true when anything was there. */
  async remove(bucket: BucketJson, name: string): Promise<boolean> {
    const piece = await this.#removeQuietly(bucket, name, 'ec');
    const metafile = await this.#removeQuietly(bucket, name, 'mt');
    return piece || metafile;
  }

  async #readMetadata(bucket: BucketJson, name: string): Promise<ErasureMetadataJson | undefined> {
    let read: ObjectReadResult;
    try {
      read = await this.objects.getObject(bucket, name, undefined, { contentType: 'mt' });
    } catch (error) {
      if (isLostPiece(error)) return undefined;
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of read.body.toStream()) chunks.push(chunk as Buffer);
    return decodeErasureMetadata(Buffer.concat(chunks), `${bucket.name}/${name} (EC metafile)`);
  }

  async #removeQuietly(
    bucket: BucketJson,
    name: string,
    contentType: 'ec' | 'mt',
  ): Promise<boolean> {
    try {
      await this.objects.deleteObject(bucket, name, { contentType });
      return true;
    } catch (error) {
      if (isStoreError(error) && error.code === 'ObjectNotFound') return false;
      throw error;
    }
  }
}

/** Missing, or corrupt (and so quarantined by the read): either way the piece is not here. */
export function isLostPiece(error: unknown): boolean {
  return (
    isStoreError(error) && (error.code === 'ObjectNotFound' || error.code === 'ObjectCorrupted')
  );
}
