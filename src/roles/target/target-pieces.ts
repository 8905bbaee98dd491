// The EC pieces this target holds for others (`/v1/ec`), served through the protection module.
import { Readable } from 'node:stream';
import type { ErasureCodingPort, ObjectAddress } from '../../api/native/index.js';
import { badRequest, objectNotFound } from '../../errors/index.js';
import type { DataProtection, KeptOutcome } from '../../protect/index.js';
import { decodeErasureMetadata, keptVersionOf } from '../../protect/index.js';
import {
  bucketNameProblem,
  parseBucketJson,
  type BucketJson,
  type StoredSliceJson,
} from '../../wire/index.js';
import { asRecord } from '../../util/json.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export class TargetPieces implements ErasureCodingPort {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly protection: DataProtection,
    /**
     * Resolves when the bucket's directories may be written, as for object requests: a target
     * back from being away first removes what they hold of a destroyed bucket of the same name.
     */
    private readonly ready: (bucket: BucketJson) => Promise<void>,
  ) {}

  async store(
    address: ObjectAddress,
    metadata: unknown,
    body: Readable,
    contentLength: number | undefined,
  ): Promise<StoredSliceJson> {
    await this.ready(address.bucket);
    lookupBucket(this.runtime, address.bucket);
    const decoded = decodeErasureMetadata(metadata, `${address.bucket.name}/${address.name}`);
    if (decoded.name !== address.name)
      throw badRequest(`EC metafile names "${decoded.name}", not "${address.name}"`);
    return this.protection.erasure.pieces.store(address.bucket, decoded, body, contentLength);
  }

  /**
   * A piece that came on a piece stream: its frame's header names the bucket and carries the
   * metafile (the `/v1/ec` PUT's path and header), its body is the piece's bytes.
   */
  async storeFramed(header: unknown, body: Buffer[], bodyBytes: number): Promise<StoredSliceJson> {
    const record = asRecord(header);
    const bucket = parseBucketJson(record?.bucket);
    if (typeof bucket === 'string') throw badRequest(`piece frame: ${bucket}`);
    const problem = bucketNameProblem(bucket.name);
    if (problem !== undefined) throw badRequest(`piece frame: ${problem}`);
    const name = asRecord(record?.metadata)?.name;
    if (typeof name !== 'string') throw badRequest('piece frame: no metafile with a name');
    return this.store(
      { bucket, name },
      record?.metadata,
      Readable.from(body, { objectMode: false }),
      bodyBytes,
    );
  }

  async metadata(address: ObjectAddress, verify: boolean): Promise<unknown> {
    const found = await this.protection.erasure.pieces.metadata(
      address.bucket,
      address.name,
      verify,
    );
    if (found === undefined) throw objectNotFound(this.runtime.id, address.bucket, address.name);
    return found;
  }

  async read(address: ObjectAddress): ReturnType<ErasureCodingPort['read']> {
    const opened = await this.protection.erasure.pieces.open(address.bucket, address.name);
    if (opened === undefined) throw objectNotFound(this.runtime.id, address.bucket, address.name);
    return { metadata: opened.metadata, size: opened.read.body.length, body: opened.read.body };
  }

  async remove(address: ObjectAddress): Promise<void> {
    await this.protection.erasure.pieces.remove(address.bucket, address.name);
  }

  async ensureKept(address: ObjectAddress, metadata: unknown): Promise<{ outcome: KeptOutcome }> {
    const { bucket, props } = lookupBucket(this.runtime, address.bucket);
    const decoded = decodeErasureMetadata(metadata, `${bucket.name}/${address.name}`);
    const kept = keptVersionOf(decoded);
    if (kept?.name !== address.name)
      throw badRequest(
        `EC metafile "${decoded.name}" is not of a kept version of "${address.name}"`,
      );
    return {
      outcome: await this.protection.ensureKept(bucket, kept.name, kept.versionId, props),
    };
  }
}
