// A steady background load for fault tests: PUTs of new objects and GETs of acknowledged ones,
// alternating, with every failure counted. Bounded in operations and time; stop() ends it early.
import { randomBytes } from 'node:crypto';
import type { BucketJson, Client } from '../../src/sdk/index.js';

export interface LoadOptions {
  prefix: string;
  /** Most operations (PUTs plus GETs). */
  maxOperations: number;
  /** Most time the load runs. */
  maxDurationMs: number;
  /** Object sizes are drawn from [minBytes, maxBytes]. */
  minBytes: number;
  maxBytes: number;
  /** Objects stored before the load started, read too (those are the ones a change moves). */
  readable?: ReadonlyMap<string, Buffer>;
}

export class SteadyLoad {
  /** Every object whose PUT was acknowledged, with its bytes. */
  readonly acknowledged = new Map<string, Buffer>();
  readonly putFailures: string[] = [];
  readonly getFailures: string[] = [];
  operations = 0;
  /** GETs done: a test asserting no GET failed also asserts that some ran. */
  gets = 0;
  #stopped = false;
  #done: Promise<void> | undefined;

  constructor(
    private readonly client: Client,
    private readonly bucket: BucketJson,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.#done = this.#run();
  }

  /** Ends the load and waits for the operation in flight. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  async #run(): Promise<void> {
    const deadline = Date.now() + this.options.maxDurationMs;
    let written = 0;
    while (
      !this.#stopped &&
      this.operations < this.options.maxOperations &&
      Date.now() < deadline
    ) {
      this.operations += 1;
      if (this.operations % 2 === 1 || this.acknowledged.size === 0) {
        const name = `${this.options.prefix}${written++}`;
        const { minBytes, maxBytes } = this.options;
        const data = randomBytes(minBytes + Math.floor(Math.random() * (maxBytes - minBytes + 1)));
        try {
          await this.client.putObject(this.bucket, name, data);
          this.acknowledged.set(name, data);
        } catch (error) {
          this.putFailures.push(`${name}: ${String(error)}`);
        }
        continue;
      }
      // Every other GET reads an object stored before the load, when there are any.
      const pool =
        this.options.readable !== undefined &&
        this.options.readable.size > 0 &&
        this.operations % 4 === 0
          ? this.options.readable
          : this.acknowledged;
      const names = [...pool.keys()];
      const name = names[Math.floor(Math.random() * names.length)] ?? '';
      this.gets += 1;
      try {
        const data = await this.client.getObjectBytes(this.bucket, name);
        if (!data.equals(pool.get(name) ?? Buffer.alloc(0)))
          this.getFailures.push(`${name}: bytes differ`);
      } catch (error) {
        this.getFailures.push(`${name}: ${String(error)}`);
      }
    }
  }
}

/** Reads every object back and returns the names that are missing or differ. */
export async function verifyObjects(
  client: Client,
  bucket: BucketJson,
  objects: ReadonlyMap<string, Buffer>,
): Promise<string[]> {
  const bad: string[] = [];
  const entries = [...objects.entries()];
  for (let i = 0; i < entries.length; i += 32) {
    await Promise.all(
      entries.slice(i, i + 32).map(async ([name, expected]) => {
        try {
          const data = await client.getObjectBytes(bucket, name);
          if (!data.equals(expected)) bad.push(`${name}: bytes differ`);
        } catch (error) {
          bad.push(`${name}: ${String(error)}`);
        }
      }),
    );
  }
  return bad;
}

/** PUTs `count` objects (100 at a time), named and sized by index; records them in `into`. */
export async function putObjects(
  client: Client,
  bucket: BucketJson,
  count: number,
  shape: { name: (index: number) => string; sizeBytes: (index: number) => number },
  into: Map<string, Buffer>,
): Promise<void> {
  for (let start = 0; start < count; start += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, count - start) }, async (_, offset) => {
        const index = start + offset;
        const data = randomBytes(shape.sizeBytes(index));
        await client.putObject(bucket, shape.name(index), data);
        into.set(shape.name(index), data);
      }),
    );
  }
}
