// APPEND on a target (AIStore's `append_type`): the first append starts a work file holding the
// object's current content (nothing for a new object) and adds the body; every later one adds its
// body; a flush commits all of it as the object through the object service, so it is protected and
// placed like any PUT. Readers see nothing of it before. The handle carries the work file and the
// size the target expects to find there, so the target keeps no state; abandoned appends are swept.
import type { AppendRequest } from '../../../api/native/index.js';
import { invalidAppendHandle } from '../../../api/native/index.js';
import { objectDigest } from '../../../placement/index.js';
import {
  bucketDisplayName,
  formatAppendHandle,
  objectUname,
  parseAppendHandle,
} from '../../../wire/index.js';
import type { NodeRuntime } from '../../common/node-runtime.js';
import type { ObjectService } from './object-service.js';
import { nativePutRequest, readFailureOf, type ObjectTarget } from './object-types.js';
import { refuseCiphertext } from './object-encryption.js';

/** The handle's state field: format 1, the bytes appended so far, the object's name digest. */
const stateFormat = 1;
const stateBytes = 17;

/** How often a target looks for abandoned appends, at most and at least. */
const sweepIntervalMsMax = 5 * 60_000;
const sweepIntervalMsMin = 1000;

export class ObjectAppends {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly objects: ObjectService,
  ) {}

  /** Adds the body to the append in progress (a new one for an empty handle); the next handle. */
  async append(target: ObjectTarget, request: AppendRequest): Promise<string> {
    const { appends } = this.objects.store;
    const { bucket } = target.bucket;
    await this.objects.space.require(`append to ${bucketDisplayName(bucket)}/${target.name}`);
    let workPath: string;
    let sizeBytes: number;
    if (request.handle === '') {
      workPath = await appends.create(bucket, target.name);
      sizeBytes = await this.#startFromObject(target, workPath);
    } else {
      ({ workPath, sizeBytes } = this.#parse(target, request.handle));
    }
    const next = await appends.append(bucket, workPath, request.body, {
      sizeBytes,
      contentLength: request.contentLength,
    });
    return formatAppendHandle({
      nodeId: this.runtime.id,
      workPath,
      checksumType: target.bucket.props.checksum.type,
      state: encodeState(next, objectUname(bucket, target.name)),
    });
  }

  /**
   * Commits the append as the object, atomically (readers see the old object or all of the new);
   * `checksum`, when given, must match the whole content.
   */
  async flush(
    target: ObjectTarget,
    handle: string,
    checksum: { type: string; value: string } | undefined,
  ): Promise<void> {
    const { workPath, sizeBytes } = this.#parse(target, handle);
    await this.objects.store.appends.commit(
      target.bucket.bucket,
      workPath,
      sizeBytes,
      async (body, contentLength) => {
        const request = nativePutRequest(target.bucket, target.name, body, {
          contentLength,
          checksum,
        });
        await this.objects.put(target.bucket, request);
      },
    );
  }

  /**
   * Removes, every so often, the append work files not written to for longer than
   * `storage.abandoned_append_age_ms`; returns the function that stops it.
   */
  sweepAbandoned(): () => void {
    const ageMs = (): number => this.runtime.store.config.values.storage.abandoned_append_age_ms;
    let lastMs = Date.now();
    let running = false;
    const sweep = async (): Promise<void> => {
      for (const { bucket } of this.runtime.store.bucketMetadata?.list() ?? []) {
        try {
          const options = { maxAgeMs: ageMs(), nowMs: Date.now() };
          const removed = await this.objects.store.appends.sweep(bucket, options);
          if (removed > 0) this.runtime.log.info('removed abandoned appends', { bucket, removed });
        } catch (error) {
          this.runtime.log.warn('append sweep failed', { bucket: bucket.name, error });
        }
      }
    };
    // A short tick that sweeps when due under the current config (it may change at run time).
    const timer = setInterval(() => {
      const interval = Math.min(sweepIntervalMsMax, Math.max(sweepIntervalMsMin, ageMs() / 4));
      if (running || Date.now() - lastMs < interval) return;
      running = true;
      void sweep().finally(() => {
        running = false;
        lastMs = Date.now();
      });
    }, sweepIntervalMsMin);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Copies the object's current content (verified, recovered if need be) into the work file. */
  async #startFromObject(target: ObjectTarget, workPath: string): Promise<number> {
    let read;
    try {
      read = await this.objects.get(target, undefined);
    } catch (error) {
      if (readFailureOf(error) === 'missing') return 0;
      throw error;
    }
    try {
      refuseCiphertext(read.object, 'an append');
    } catch (error) {
      await read.body.discard();
      throw error;
    }
    const body = read.body.toStream();
    return await this.objects.store.appends.append(target.bucket.bucket, workPath, body, {
      sizeBytes: 0,
      contentLength: read.object.size,
    });
  }

  /** The work file and size a handle names; a 400 unless it is this target's, for this object. */
  #parse(target: ObjectTarget, text: string): { workPath: string; sizeBytes: number } {
    const handle = parseAppendHandle(text);
    if (handle === undefined) throw invalidAppendHandle(text);
    if (handle.nodeId !== this.runtime.id)
      throw invalidAppendHandle(
        text,
        `it belongs to node ${handle.nodeId}, not ${this.runtime.id}`,
      );
    const { bucket } = target.bucket;
    const state = Buffer.from(handle.state, 'base64');
    if (state.length !== stateBytes || state.readUInt8(0) !== stateFormat)
      throw invalidAppendHandle(text, 'malformed state');
    if (state.readBigUInt64BE(9) !== objectDigest(objectUname(bucket, target.name)))
      throw invalidAppendHandle(text, `it belongs to another object than ${target.name}`);
    if (!this.objects.store.appends.owns(bucket, handle.workPath))
      throw invalidAppendHandle(text, `no append work file of bucket ${bucket.name} there`);
    return { workPath: handle.workPath, sizeBytes: Number(state.readBigUInt64BE(1)) };
  }
}

function encodeState(sizeBytes: number, uname: string): string {
  const state = Buffer.alloc(stateBytes);
  state.writeUInt8(stateFormat, 0);
  state.writeBigUInt64BE(BigInt(sizeBytes), 1);
  state.writeBigUInt64BE(objectDigest(uname), 9);
  return state.toString('base64');
}
