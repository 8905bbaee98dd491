// What a racing writer may read back: per key the last acknowledged write (content, or a delete)
// and every write after it whose outcome is unknown (it failed, but may have committed). A read
// is right when it returns one of those; an older version, other bytes or a 404 the ledger does
// not allow is data loss.
import assert from 'node:assert/strict';
import type { BucketJson, Client } from '../../src/sdk/index.js';
import { bytesFor } from '../cluster/integration-helpers.js';

/** A write: the bytes, or null for a delete. */
type Write = Buffer | null;

interface KeyState {
  acknowledged: Write | undefined;
  unknown: Write[];
}

export class WriteLedger {
  readonly #keys = new Map<string, KeyState>();
  writes = 0;
  failures = 0;

  constructor(
    readonly bucket: BucketJson,
    readonly names: readonly string[],
  ) {
    for (const name of names) this.#keys.set(name, { acknowledged: undefined, unknown: [] });
  }

  #state(name: string): KeyState {
    const state = this.#keys.get(name);
    if (state === undefined) throw new Error(`${name}: not in the ledger`);
    return state;
  }

  /** Runs one write (PUT of `data`, or DELETE for null) and records its outcome. */
  async write(client: Client, name: string, data: Write): Promise<void> {
    const state = this.#state(name);
    this.writes += 1;
    try {
      if (data === null) await client.deleteObject(this.bucket, name);
      else await client.putObject(this.bucket, name, data);
      state.acknowledged = data;
      state.unknown = [];
    } catch (error) {
      // A delete of a name that is not there is acknowledged as nothing to delete.
      if (data === null && (error as { status?: number }).status === 404) {
        state.acknowledged = null;
        state.unknown = [];
        return;
      }
      this.failures += 1;
      state.unknown.push(data);
    }
  }

  /**
   * Overwrites every key in rounds (keys concurrently, each key's writes in order, distinct
   * contents per round) until `running()` turns false or `maxRounds` are done; with `deleteEvery`
   * every such round deletes a third of the keys instead. Returns the rounds done.
   */
  async overwrite(
    client: Client,
    running: () => boolean,
    options: { maxRounds: number; sizes: readonly number[]; tag: string; deleteEvery?: number },
  ): Promise<number> {
    let round = 0;
    for (; round < options.maxRounds && running(); round += 1) {
      const deleting = options.deleteEvery !== undefined && round % options.deleteEvery === 1;
      await Promise.all(
        this.names.map((name, index) => {
          if (deleting && index % 3 === round % 3) return this.write(client, name, null);
          const size = (options.sizes[index % options.sizes.length] ?? 1) + round;
          return this.write(client, name, bytesFor(`${name}@${options.tag}.${round}`, size));
        }),
      );
    }
    return round;
  }

  /**
   * Every key once more (with `only`, the keys it picks), acknowledged (retried while its owner is
   * unreachable); with `deleteEvery` every such key is deleted instead.
   */
  async settle(
    client: Client,
    tag: string,
    sizes: readonly number[],
    deleteEvery?: number,
    only: (index: number) => boolean = () => true,
  ): Promise<void> {
    await Promise.all(
      this.names.map(async (name, index) => {
        if (!only(index)) return;
        const deleting = deleteEvery !== undefined && index % deleteEvery === 0;
        const data = deleting ? null : bytesFor(`${name}@${tag}`, sizes[index % sizes.length] ?? 1);
        for (let attempt = 0; attempt < 20; attempt += 1) {
          await this.write(client, name, data);
          if (this.#state(name).acknowledged === data) return;
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        assert.fail(`${this.bucket.name}/${name}: no write acknowledged in 20 attempts`);
      }),
    );
  }

  /**
   * Reads every key and checks it against the ledger. A read that fails for another reason than a
   * 404 (owner unreachable) is retried for a while.
   */
  async verify(client: Client, what: string): Promise<void> {
    const problems: string[] = [];
    await Promise.all(
      this.names.map(async (name) => {
        const problem = await this.#check(client, name);
        if (problem !== undefined) problems.push(`${this.bucket.name}/${name}: ${problem}`);
      }),
    );
    assert.deepEqual(problems, [], `${what}: reads that are not the last acknowledged write`);
  }

  async #check(client: Client, name: string): Promise<string | undefined> {
    const state = this.#state(name);
    const allowed = [state.acknowledged, ...state.unknown];
    let lastError: unknown;
    for (let attempt = 0; attempt < 20; attempt += 1) {
      let read: Buffer | null;
      try {
        read = await client.getObjectBytes(this.bucket, name);
      } catch (error) {
        if ((error as { status?: number }).status !== 404) {
          lastError = error;
          await new Promise((resolve) => setTimeout(resolve, 500));
          continue;
        }
        read = null;
      }
      const matches = (data: Write | undefined): boolean =>
        data === undefined || data === null ? read === null : read?.equals(data) === true;
      if (allowed.some(matches)) return undefined;
      return `read ${describe(read, name, state)}`;
    }
    return `unreadable: ${String(lastError)}`;
  }
}

/** Which write a wrong read returned, when it is one the ledger knows of by its size. */
function describe(read: Buffer | null, name: string, state: KeyState): string {
  if (read === null) return `404; expected ${label(state.acknowledged)} (+${state.unknown.length})`;
  return `${read.length} bytes of ${name}; expected ${label(state.acknowledged)} (+${state.unknown.length} unknown)`;
}

function label(write: Write | undefined): string {
  if (write === undefined) return 'nothing';
  if (write === null) return 'deleted';
  return `${write.length} bytes`;
}
