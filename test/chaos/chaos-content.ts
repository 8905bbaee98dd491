// Distinct, reproducible object contents for chaos tests, and the book of what each object may
// hold: every write attempt has its own content (a header naming it, then seeded bytes), so an
// object read back afterwards is either absent or exactly one attempt's whole content.
import { Prng, seedOf } from '../harness/prng.js';

const headerPattern = /^cairn-chaos ([\w.:/-]+) (\d+)\n/;

/** The content of attempt `id`: `length` bytes (at least 64), the same on every call. */
export function contentOf(id: string, length: number): Buffer {
  const header = Buffer.from(`cairn-chaos ${id} ${length}\n`);
  if (length < header.length) throw new Error(`content ${id}: ${length} bytes is too short`);
  const data = Buffer.allocUnsafe(length);
  header.copy(data);
  return new Prng(seedOf(id)).fill(data, header.length);
}

/** The attempt a content claims to come from (read from its header), if any. */
export function claimedAttempt(data: Buffer): { id: string; length: number } | undefined {
  const match = headerPattern.exec(data.subarray(0, 200).toString('latin1'));
  if (match === null) return undefined;
  return { id: match[1] ?? '', length: Number(match[2]) };
}

/** For each object (`bucket/name`), the contents it may hold: one per write attempt on it. */
export class IntendedContents {
  readonly #allowed = new Map<string, Map<string, number>>();

  allow(object: string, id: string, length: number): void {
    let contents = this.#allowed.get(object);
    if (contents === undefined) {
      contents = new Map();
      this.#allowed.set(object, contents);
    }
    contents.set(id, length);
  }

  get objects(): string[] {
    return [...this.#allowed.keys()].sort();
  }

  attempts(object: string): number {
    return this.#allowed.get(object)?.size ?? 0;
  }

  /** Why `data` read from `object` is not the whole content of one of its attempts, if it is not. */
  problemWith(object: string, data: Buffer): string | undefined {
    const claimed = claimedAttempt(data);
    if (claimed === undefined) return `${object}: ${data.length} bytes without a content header`;
    const length = this.#allowed.get(object)?.get(claimed.id);
    if (length === undefined) return `${object}: holds ${claimed.id}, never written to it`;
    if (data.length !== length)
      return `${object}: ${data.length} of ${length} bytes of ${claimed.id}`;
    if (!data.equals(contentOf(claimed.id, length)))
      return `${object}: ${claimed.id} with wrong bytes`;
    return undefined;
  }
}
