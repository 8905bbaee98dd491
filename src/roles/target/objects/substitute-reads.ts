// Reads on behalf of an unreachable owner. A gateway that finds an object's owner down (connection
// refused) sends reads to the next target in HRW order, marked as standing in for the owner. That
// target serves the object from what survives elsewhere: its own copy if it has one (it may be the
// previous owner), else the bytes rebuilt from the other targets' EC pieces, streamed and checked
// but never stored here (a copy on a target that does not own the object would be misplaced, and
// stale after the owner returns and the object changes).
import { resolveRange, type ResolvedRange } from '../../../api/common/index.js';
import { StoreError, objectNotFound } from '../../../errors/index.js';
import { restoredAttributes, type SurvivingObject } from '../../../protect/index.js';
import type { LocalStore, StoredObject } from '../../../storage/index.js';
import { destroyQuietly } from '../../../util/stream-teardown.js';
import type { ErasureMetadataJson } from '../../../wire/index.js';
import type { ProtectionPolicy } from './object-policies.js';
import { readFailureOf, type ObjectRead, type ObjectTarget } from './object-types.js';
import { sliceStream, StreamedBody } from './streamed-body.js';

export class SubstituteReads {
  constructor(
    private readonly store: LocalStore,
    private readonly protection: ProtectionPolicy,
    private readonly nodeId: string,
  ) {}

  /** The object's description (from this target's copy, else from the EC metafiles). */
  async head(target: ObjectTarget, ownerId: string): Promise<StoredObject> {
    const local = await this.#local(() => this.store.headObject(target.bucket.bucket, target.name));
    if (local !== undefined) return local;
    const surviving = await this.#surviving(target, ownerId);
    await new StreamedBody(surviving.body).discard();
    return describe(target, surviving.metadata);
  }

  /** The object's bytes (a range of them when `rangeHeader` is given). */
  async get(
    target: ObjectTarget,
    rangeHeader: string | undefined,
    ownerId: string,
  ): Promise<ObjectRead> {
    const resolver =
      rangeHeader === undefined ? undefined : (size: number) => resolveRange(rangeHeader, size);
    const local = await this.#local(() =>
      this.store.getObject(target.bucket.bucket, target.name, resolver),
    );
    if (local !== undefined) return { object: local.object, body: local.body, range: local.range };
    const surviving = await this.#surviving(target, ownerId);
    const object = describe(target, surviving.metadata);
    let range: ResolvedRange | undefined;
    try {
      range = resolver?.(object.size);
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
  async #surviving(target: ObjectTarget, ownerId: string): Promise<SurvivingObject> {
    const { props, bucket } = target.bucket;
    if (!props.ec.enabled) {
      throw new StoreError(
        'PeerUnreachable',
        `target t[${ownerId}] that stores ${target.name} is unreachable and the bucket is not erasure-coded`,
      );
    }
    const address = { bucket, name: target.name };
    const surviving = await this.protection.openSurviving(address, props);
    if (surviving === undefined) throw objectNotFound(this.nodeId, bucket, target.name);
    return surviving;
  }
}

/** The stored-object description an EC metafile gives. */
function describe(target: ObjectTarget, metadata: ErasureMetadataJson): StoredObject {
  const attributes = restoredAttributes(metadata);
  const object: StoredObject = {
    bucket: target.bucket.bucket,
    name: target.name,
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
