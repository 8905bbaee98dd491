// Reed-Solomon over GF(2^8) through the native `@ronomon/reed-solomon` addon (Cauchy matrices,
// SIMD-friendly C, runs in libuv's thread pool so the event loop never blocks on encoding).
import { createRequire } from 'node:module';
import { invariant } from '../../util/assert.js';

interface NativeContext {
  readonly __brand: 'ReedSolomonContext';
}

interface NativeBinding {
  readonly MAX_K: number;
  readonly MAX_M: number;
  create(dataShards: number, parityShards: number): NativeContext;
  encode(
    context: NativeContext,
    sources: number,
    targets: number,
    buffer: Buffer,
    bufferOffset: number,
    bufferSize: number,
    parity: Buffer,
    parityOffset: number,
    paritySize: number,
    callback: (error: Error | undefined) => void,
  ): void;
}

// The addon is a CommonJS `.node` module: ESM cannot import it directly.
const binding = createRequire(import.meta.url)('@ronomon/reed-solomon') as NativeBinding;

/** Shard lengths must be multiples of this (the addon works on 64-bit words). */
export const shardAlignmentBytes = 8;

/**
 * A codec for D data and P parity shards. Shards are equal-length regions: data shard i at
 * `i * shardBytes` in the data buffer, parity shard j at `j * shardBytes` in the parity buffer.
 */
export class ReedSolomonCodec {
  static readonly maxDataShards = binding.MAX_K;
  static readonly maxParityShards = binding.MAX_M;
  readonly #context: NativeContext;

  constructor(
    readonly dataShards: number,
    readonly parityShards: number,
  ) {
    invariant(
      Number.isInteger(dataShards) && dataShards >= 1 && dataShards <= binding.MAX_K,
      `data shards must be 1..${binding.MAX_K}`,
    );
    invariant(
      Number.isInteger(parityShards) && parityShards >= 1 && parityShards <= binding.MAX_M,
      `parity shards must be 1..${binding.MAX_M}`,
    );
    this.#context = binding.create(dataShards, parityShards);
  }

  /** Computes every parity shard from the data shards. */
  encodeParity(data: Buffer, parity: Buffer, shardBytes: number): Promise<void> {
    const all = (1 << (this.dataShards + this.parityShards)) - 1;
    const dataMask = (1 << this.dataShards) - 1;
    return this.reconstruct(data, parity, shardBytes, dataMask, all & ~dataMask);
  }

  /**
   * Recomputes the shards flagged in `targets` (bit i = shard i: data first, then parity) from at
   * least D shards flagged in `sources`.
   */
  reconstruct(
    data: Buffer,
    parity: Buffer,
    shardBytes: number,
    sources: number,
    targets: number,
  ): Promise<void> {
    invariant(shardBytes > 0 && shardBytes % shardAlignmentBytes === 0, 'shard size alignment');
    invariant(data.length >= shardBytes * this.dataShards, 'data buffer too small');
    invariant(parity.length >= shardBytes * this.parityShards, 'parity buffer too small');
    invariant((sources & targets) === 0, 'a shard cannot be both source and target');
    return new Promise((resolve, reject) => {
      binding.encode(
        this.#context,
        sources,
        targets,
        data,
        0,
        shardBytes * this.dataShards,
        parity,
        0,
        shardBytes * this.parityShards,
        (error) => (error === undefined || error === null ? resolve() : reject(error)),
      );
    });
  }
}
