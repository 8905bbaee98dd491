// Object names of a run: how new names are made (index order or random within the name space),
// and the set of objects known to exist, from which reads pick.
import type { NameOrder } from './bench-options.js';

/** Names are the prefix and a zero-padded index, so they sort in index order. */
export function objectName(prefix: string, index: number): string {
  return `${prefix}${String(index).padStart(10, '0')}`;
}

/** Largest index of a random name when no name space (`--objects`) bounds it. */
const unboundedNameSpace = 2 ** 32;

/** Hands out names to write. */
export class NameSource {
  readonly #prefix: string;
  readonly #order: NameOrder;
  readonly #nameSpace: number | undefined;
  #next = 0;

  constructor(prefix: string, order: NameOrder, nameSpace: number | undefined) {
    this.#prefix = prefix;
    this.#order = order;
    this.#nameSpace = nameSpace;
  }

  next(): string {
    if (this.#order === 'random') {
      const span = this.#nameSpace ?? unboundedNameSpace;
      return objectName(this.#prefix, Math.floor(Math.random() * span));
    }
    const index = this.#nameSpace === undefined ? this.#next : this.#next % this.#nameSpace;
    this.#next += 1;
    return objectName(this.#prefix, index);
  }
}

/** Objects that exist (written by this run or found by listing) and their sizes. */
export class ObjectSet {
  readonly #names: string[] = [];
  readonly #sizes = new Map<string, number>();
  /** Names this run wrote: the ones cleanup deletes. */
  readonly #written = new Set<string>();
  #cursor = 0;

  get size(): number {
    return this.#names.length;
  }

  /** Records an object; `written` marks it as created by this run. */
  add(name: string, sizeBytes: number, written: boolean): void {
    if (!this.#sizes.has(name)) this.#names.push(name);
    this.#sizes.set(name, sizeBytes);
    if (written) this.#written.add(name);
  }

  /** An object to read (undefined when the set is empty): the next in order, or a random one. */
  pick(order: NameOrder): { name: string; sizeBytes: number } | undefined {
    if (this.#names.length === 0) return undefined;
    let index: number;
    if (order === 'random') {
      index = Math.floor(Math.random() * this.#names.length);
    } else {
      index = this.#cursor % this.#names.length;
      this.#cursor += 1;
    }
    const name = this.#names[index] as string;
    return { name, sizeBytes: this.#sizes.get(name) ?? 0 };
  }

  written(): string[] {
    return [...this.#written];
  }
}
