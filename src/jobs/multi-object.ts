// The multi-object engine every list/range/prefix job runs on (delete, evict, copy...): each target
// walks only the selected objects it owns, visits them with a pool of workers (AIStore's
// `num-workers`: 0 auto, -1 serial, N exactly N), stops between objects when aborted, and on a
// failed object either fails the job or, with `coer` (continue on error), counts it and goes on.
import { badRequest } from '../errors/index.js';
import type { Logger } from '../util/log.js';
import { asRecord } from '../util/json.js';
import type { BucketJson } from '../wire/index.js';
import type { ClusterMap } from '../cluster/index.js';
import type { TargetJobEnvironment } from './job-environment.js';
import { Job } from './job.js';
import { parseListRange, selectOwnedObjects, type ObjectSelection } from './object-selection.js';
import { forEachShared } from './shared-workers.js';

/** Workers when `num-workers` is 0 (objects are streamed, so this bounds open streams, not memory). */
export const autoWorkers = 4;
/** Most workers a request may ask for. */
export const maxWorkers = 256;

/** The flags every multi-object message carries (AIStore's EvdMsg beside the ListRange). */
export interface MultiObjectFlags {
  numWorkers: number;
  continueOnError: boolean;
  nonRecursive: boolean;
}

/** A multi-object message: what to select and how to walk it. */
export interface MultiObjectArgs {
  selection: ObjectSelection;
  flags: MultiObjectFlags;
}

/** An action value's keys in lower case (AIStore's decoder matches them case-insensitively). */
export function caselessRecord(value: unknown, where: string): Record<string, unknown> {
  if (value === null || value === undefined) return {};
  const record = asRecord(value);
  if (record === undefined) throw badRequest(`${where}: expected a JSON object`);
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key.toLowerCase(), item]));
}

function optional<T>(
  record: Record<string, unknown>,
  key: string,
  type: 'boolean' | 'number' | 'string',
  fallback: T,
  where: string,
): T {
  const item = record[key];
  if (item === undefined || item === null) return fallback;
  if (typeof item !== type) throw badRequest(`${where}: "${key}" must be a ${type}`);
  return item as T;
}

export function readBoolean(record: Record<string, unknown>, key: string, where: string): boolean {
  return optional(record, key, 'boolean', false, where);
}

export function readString(record: Record<string, unknown>, key: string, where: string): string {
  return optional(record, key, 'string', '', where);
}

export function readNumber(record: Record<string, unknown>, key: string, where: string): number {
  return optional(record, key, 'number', 0, where);
}

/** `num-workers`, `coer` and `non-recurs` of a lower-cased message. */
export function parseMultiObjectFlags(
  record: Record<string, unknown>,
  where: string,
): MultiObjectFlags {
  const numWorkers = optional(record, 'num-workers', 'number', 0, where);
  if (!Number.isInteger(numWorkers) || numWorkers < -1 || numWorkers > maxWorkers)
    throw badRequest(
      `${where}: "num-workers" must be -1, 0 or 1..${maxWorkers} (got ${numWorkers})`,
    );
  return {
    numWorkers,
    continueOnError: readBoolean(record, 'coer', where),
    nonRecursive: readBoolean(record, 'non-recurs', where),
  };
}

/** A ListRange with its flags (AIStore's EvdMsg and the selection part of TCOMsg). */
export function parseMultiObjectArgs(value: unknown, where: string): MultiObjectArgs {
  const record = caselessRecord(value, where);
  return {
    selection: parseListRange({ objnames: record.objnames, template: record.template }),
    flags: parseMultiObjectFlags(record, where),
  };
}

export abstract class MultiObjectJob extends Job {
  /** Workers when `num-workers` is 0: a kind whose visits mostly wait on a remote takes more. */
  protected readonly autoWorkers: number = autoWorkers;

  constructor(
    id: string,
    kind: string,
    bucket: BucketJson,
    protected readonly args: MultiObjectArgs,
    protected readonly environment: TargetJobEnvironment,
  ) {
    super(id, kind, bucket);
    this.extraCounters.errors = 0;
  }

  /** Does the job's work on one selected object this target owns. */
  protected abstract visit(name: string, signal: AbortSignal, log: Logger): Promise<void>;

  /** The selected objects this target owns (a prefix: those it stores; prefetch lists the remote). */
  protected selectNames(map: ClusterMap): AsyncGenerator<string> {
    return selectOwnedObjects(this.args.selection, {
      bucket: this.bucket as BucketJson,
      nodeId: this.environment.nodeId,
      map,
      store: this.environment.store,
      nonRecursive: this.args.flags.nonRecursive,
    });
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const map = this.environment.clusterMap();
    if (map === undefined) throw new Error('no cluster map');
    const names = this.selectNames(map);
    const { numWorkers } = this.args.flags;
    const workers = numWorkers === -1 ? 1 : numWorkers === 0 ? this.autoWorkers : numWorkers;
    await forEachShared(names, workers, signal, (name) => this.#visitOne(name, signal, log));
  }

  /** Visits one object: a failure fails the job, or with `coer` is counted (the first one said). */
  async #visitOne(name: string, signal: AbortSignal, log: Logger): Promise<void> {
    try {
      await this.visit(name, signal, log);
    } catch (error) {
      if (signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      log.warn(`${this.kind}: object failed`, { job: this.id, name, error: message });
      if (!this.args.flags.continueOnError)
        throw new Error(`${name}: ${message}`, { cause: error });
      this.extraCounters.errors = (this.extraCounters.errors ?? 0) + 1;
      if (this.controlMessage === '')
        this.controlMessage = `first failed object ${name}: ${message}`;
    }
  }
}
