// The store's multipart uploads and chunk sets (`LocalStore.uploads`): parts stored as chunks, an
// upload completed into a chunked object without copying a byte, and the sweep of what crashes and
// abandoned uploads leave.
import type { BucketJson } from '../../wire/index.js';
import type { StoreAccess } from '../store-context.js';
import type { StoredObject } from '../store-types.js';
import { chunkLayout, type ChunkLayout } from './chunk-sets.js';
import { sweepChunkSets, type ChunkSweepResult } from './chunk-sweep.js';
import {
  abortUpload,
  completeUpload,
  createUpload,
  listParts,
  listUploads,
  uploadAttributes,
  uploadPart,
  type CompleteRequest,
  type PartWrite,
  type StoredPart,
  type UploadAttributes,
  type UploadSummary,
} from './multipart-uploads.js';

export class StoreUploads {
  constructor(private readonly store: StoreAccess) {}

  /** Starts a multipart upload of `name`; returns its ID. */
  createUpload(bucket: BucketJson, name: string, attributes: UploadAttributes): Promise<string> {
    return createUpload(this.store.open(), bucket, name, attributes);
  }

  /** Stores one part as a chunk (replacing an earlier part with the same number). */
  uploadPart(write: PartWrite): Promise<StoredPart> {
    return this.store.watch((context) => uploadPart(context, write));
  }

  uploadAttributes(bucket: BucketJson, name: string, uploadId: string): Promise<UploadAttributes> {
    return uploadAttributes(this.store.open(), bucket, name, uploadId);
  }

  listParts(bucket: BucketJson, name: string, uploadId: string): Promise<StoredPart[]> {
    return listParts(this.store.open(), bucket, name, uploadId);
  }

  /** Makes the listed parts the object's chunks, in order, without copying any byte. */
  completeUpload(request: CompleteRequest): Promise<StoredObject> {
    return this.store.watch((context) => completeUpload(context, request));
  }

  abortUpload(bucket: BucketJson, name: string, uploadId: string): Promise<void> {
    return abortUpload(this.store.open(), bucket, name, uploadId);
  }

  /** A chunked object's chunks, their count and largest (`StoredObject.chunkSet`). */
  chunkLayout(bucket: BucketJson, chunkSet: string): Promise<ChunkLayout | undefined> {
    return chunkLayout(this.store.open(), bucket, chunkSet);
  }

  listUploads(
    bucket: BucketJson,
    options: { prefix: string; startAfter: string },
  ): Promise<UploadSummary[]> {
    return listUploads(this.store.open(), bucket, options);
  }

  /**
   * Removes the bucket's chunk sets that no object version names (left by a crash during a
   * completion or an overwrite) and uploads older than `maxUploadAgeMs`.
   */
  sweepChunkSets(
    bucket: BucketJson,
    options: { maxUploadAgeMs: number; nowMs: number },
  ): Promise<ChunkSweepResult> {
    return sweepChunkSets(this.store.open(), bucket, options);
  }
}
