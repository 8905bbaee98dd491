// The native (AIStore-compatible) API through the SDK: direct to the owning target by default,
// or through the gateway with `--no-direct`; the same client every Cairn user has.
import { Readable } from 'node:stream';
import { ApiError, Client, type BucketJson, type ObjectBody } from '../../../sdk/index.js';
import type { BenchPlan } from '../bench-options.js';
import { bodyChunks, singleChunkBody } from '../payload.js';
import type { BenchDriver, ChunkObserver, ListedObject } from './bench-driver.js';

export class NativeDriver implements BenchDriver {
  readonly description: string;
  readonly destroyRemovesObjects = true;
  readonly canList = true;
  readonly #client: Client;
  readonly #bucket: BucketJson;

  constructor(plan: BenchPlan) {
    this.#client = new Client(plan.endpoint, { direct: plan.direct, timeoutMs: plan.timeoutMs });
    this.#bucket = { name: plan.bucket, provider: plan.provider };
    const route = plan.direct ? 'direct to targets' : 'through the gateway';
    this.description = `native API at ${plan.endpoint} (${route}), bucket ${plan.provider}://${plan.bucket}`;
  }

  async prepare(): Promise<boolean> {
    await this.#client.health();
    try {
      await this.#client.bucketProps(this.#bucket);
      return false;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404) throw error;
    }
    await this.#client.createBucket(this.#bucket);
    return true;
  }

  async put(name: string, sizeBytes: number): Promise<void> {
    const body: ObjectBody = singleChunkBody(name, sizeBytes) ?? {
      size: sizeBytes,
      open: () => Readable.from(bodyChunks(name, sizeBytes), { objectMode: false }),
    };
    await this.#client.putObject(this.#bucket, name, body);
  }

  async get(name: string, observe: ChunkObserver | undefined): Promise<number> {
    const { body } = await this.#client.getObject(this.#bucket, name);
    let bytes = 0;
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      bytes += buffer.length;
      observe?.(buffer);
    }
    return bytes;
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    for await (const entry of this.#client.listObjects(this.#bucket, {
      prefix,
      props: 'name,size',
    })) {
      yield { name: entry.name, sizeBytes: Number(entry.size ?? 0) };
    }
  }

  async delete(name: string): Promise<void> {
    await this.#client.deleteObject(this.#bucket, name);
  }

  async destroyBucket(): Promise<void> {
    await this.#client.destroyBucket(this.#bucket);
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
