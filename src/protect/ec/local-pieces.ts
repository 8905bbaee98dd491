// The EC pieces one target holds: slices and small-object replicas under `%ec`, each file's own
// record carrying the piece's metafile, so that storing a piece is one file and one commit. The
// owner keeps a metafile for its main replica under `%mt` (slice 0, not a copy) with no `%ec` file;
// so do pieces whose metafile is too big for a record and pieces stored before metafiles moved into
// records (the two-file form: the piece, then its metafile, which is the commit point).
import { Readable } from 'node:stream';
import { StoreError, isStoreError } from '../../errors/index.js';
import type { LocalStore, ObjectReadResult, StoredObject } from '../../storage/index.js';
import type { BucketJson, ErasureMetadataJson, StoredSliceJson } from '../../wire/index.js';
import {
  decodeErasureMetadata,
  encodeErasureMetadata,
  metafileInRecord,
  pieceChecksumType,
  pieceRecordOf,
  sameEncoding,
  sliceChecksumOf,
} from './ec-metadata.js';

/** True for the owner's metafile of its main replica (it describes `%ob`, not an `%ec` piece). */
export function isMainReplica(metadata: ErasureMetadataJson): boolean {
  return metadata.slice_id === 0 && !metadata.is_copy;
}

/** A metafile found here, and the piece file it describes (none for a main replica). */
interface HeldMetafile {
  metadata: ErasureMetadataJson;
  piece?: StoredObject;
  /** The metafile is the piece file's record (else it is `%mt`). */
  inRecord: boolean;
}

export class LocalPieces {
  constructor(private readonly objects: LocalStore) {}

  /**
   * Stores a piece with its metafile (the checksum in it computed over the bytes received), or
   * only the metafile of a main replica. Returns what was computed.
   */
  async store(
    bucket: BucketJson,
    metadata: ErasureMetadataJson,
    body: Readable | undefined,
    contentLength: number | undefined,
  ): Promise<StoredSliceJson> {
    const name = metadata.name;
    if (isMainReplica(metadata)) {
      body?.resume();
      await this.#removeQuietly(bucket, name, 'ec');
      await this.#writeMetafile(bucket, { ...metadata, slice_cksum: '' });
      return { slice_cksum: '', size: 0 };
    }
    if (contentLength === 0 && metadata.obj_size > 0) {
      // No piece of a non-empty object is empty: this is a metadata change of the piece held.
      body?.resume();
      return await this.#replaceMetafile(bucket, metadata);
    }
    if (body === undefined) throw new Error('an EC piece needs its bytes');
    const record = pieceRecordOf(metadata);
    const piece = await this.objects.putObject({
      bucket,
      name,
      body,
      ...(contentLength === undefined ? {} : { contentLength }),
      // A piece of one stripe (at most 1 MiB: its sender holds it whole too) is received whole and
      // stored in one job; a bigger one streams to its work file.
      receiveWhole: true,
      checksumType: pieceChecksumType(metadata),
      versioning: false,
      ...(metadata.obj_version === '' ? {} : { version: metadata.obj_version }),
      ...(record === undefined ? {} : { customMetadata: record }),
      contentType: 'ec',
    });
    const stored = {
      slice_cksum: sliceChecksumOf(metadata, piece.checksum.value),
      size: piece.size,
    };
    // A `%mt` left beside a piece whose record carries its metafile is ignored (`#find`).
    if (record === undefined)
      await this.#writeMetafile(bucket, { ...metadata, slice_cksum: stored.slice_cksum });
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
    return (await this.#find(bucket, name, verify))?.metadata;
  }

  /** The metafile and the verified bytes of the piece (the main replica for the owner's metafile). */
  async open(
    bucket: BucketJson,
    name: string,
  ): Promise<{ metadata: ErasureMetadataJson; read: ObjectReadResult } | undefined> {
    let piece: ObjectReadResult | undefined;
    let lost: unknown;
    try {
      piece = await this.objects.getObject(bucket, name, undefined, {
        contentType: 'ec',
        verifyBeforeSend: true,
      });
    } catch (error) {
      if (!isLostPiece(error)) throw error;
      lost = error;
    }
    const inRecord = piece && metafileInRecord(piece.object, describe(bucket, name));
    if (piece !== undefined && inRecord !== undefined) return { metadata: inRecord, read: piece };
    const metadata = await this.#readMetafile(bucket, name);
    if (metadata !== undefined && !isMainReplica(metadata)) {
      if (piece === undefined) throw lost;
      return { metadata, read: piece };
    }
    await piece?.body.discard();
    if (metadata === undefined) return undefined;
    const read = await this.objects.getObject(bucket, name, undefined, {
      contentType: 'ob',
      verifyBeforeSend: true,
    });
    return { metadata, read };
  }

  /** Removes the piece and its metafile; true when anything was there. */
  async remove(bucket: BucketJson, name: string): Promise<boolean> {
    const piece = await this.#removeQuietly(bucket, name, 'ec');
    const metafile = await this.#removeQuietly(bucket, name, 'mt');
    return piece || metafile;
  }

  /**
   * The metafile held for `name`: the piece file's record when it carries one, else `%mt` (a main
   * replica's, or a piece's in the two-file form, removed when its piece is lost).
   */
  async #find(
    bucket: BucketJson,
    name: string,
    verify: boolean,
  ): Promise<HeldMetafile | undefined> {
    let piece: StoredObject | undefined;
    try {
      piece = verify
        ? await this.#verifiedPiece(bucket, name)
        : await this.objects.headObject(bucket, name, { contentType: 'ec' });
    } catch (error) {
      if (!isLostPiece(error)) throw error;
    }
    const inRecord = piece && metafileInRecord(piece, describe(bucket, name));
    if (piece !== undefined && inRecord !== undefined)
      return { metadata: inRecord, piece, inRecord: true };
    const metadata = await this.#readMetafile(bucket, name);
    if (metadata === undefined || isMainReplica(metadata)) {
      return metadata && { metadata, inRecord: false };
    }
    if (piece !== undefined) return { metadata, piece, inRecord: false };
    await this.#removeQuietly(bucket, name, 'mt');
    return undefined;
  }

  async #verifiedPiece(bucket: BucketJson, name: string): Promise<StoredObject> {
    const read = await this.objects.getObject(bucket, name, undefined, {
      contentType: 'ec',
      verifyBeforeSend: true,
    });
    await read.body.discard();
    return read.object;
  }

  /**
   * A metadata-only change of the piece held for `metadata`'s encoding (same generation, contents
   * and slice): its record or `%mt` gets the new metafile, the bytes stay. ObjectNotFound when
   * this target holds another piece or none.
   */
  async #replaceMetafile(
    bucket: BucketJson,
    metadata: ErasureMetadataJson,
  ): Promise<StoredSliceJson> {
    const held = await this.#find(bucket, metadata.name, false);
    const piece = held?.piece;
    if (
      held === undefined ||
      piece === undefined ||
      !sameEncoding(held.metadata, metadata) ||
      held.metadata.slice_id !== metadata.slice_id
    )
      throw new StoreError(
        'ObjectNotFound',
        `${bucket.name}/${metadata.name}: no piece of this encoding is held here`,
      );
    const stored = { slice_cksum: held.metadata.slice_cksum, size: piece.size };
    const record = held.inRecord ? pieceRecordOf(metadata) : undefined;
    if (record !== undefined) {
      await this.objects.setFileCustomMetadata(bucket, metadata.name, 'ec', record);
      return stored;
    }
    await this.#writeMetafile(bucket, { ...metadata, slice_cksum: stored.slice_cksum });
    // Grown too big for the record: from now on the piece is in the two-file form.
    if (held.inRecord) await this.objects.setFileCustomMetadata(bucket, metadata.name, 'ec', {});
    return stored;
  }

  async #writeMetafile(bucket: BucketJson, metadata: ErasureMetadataJson): Promise<void> {
    const json = encodeErasureMetadata(metadata);
    await this.objects.putObject({
      bucket,
      name: metadata.name,
      body: Readable.from([json], { objectMode: false }),
      // A known length lets the store write the small file in one job.
      contentLength: json.length,
      checksumType: 'xxhash',
      versioning: false,
      contentType: 'mt',
    });
  }

  async #readMetafile(bucket: BucketJson, name: string): Promise<ErasureMetadataJson | undefined> {
    let read: ObjectReadResult;
    try {
      read = await this.objects.getObject(bucket, name, undefined, { contentType: 'mt' });
    } catch (error) {
      if (isLostPiece(error)) return undefined;
      throw error;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of read.body.toStream()) chunks.push(chunk as Buffer);
    return decodeErasureMetadata(Buffer.concat(chunks), `${describe(bucket, name)} (EC metafile)`);
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

function describe(bucket: BucketJson, name: string): string {
  return `${bucket.name}/${name}`;
}

/** Missing, or corrupt (and so quarantined by the read): either way the piece is not here. */
export function isLostPiece(error: unknown): boolean {
  return (
    isStoreError(error) && (error.code === 'ObjectNotFound' || error.code === 'ObjectCorrupted')
  );
}
