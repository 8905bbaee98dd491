// Records between targets (`POST /v1/dsort/<id>/records` on the holder's intra-cluster port, the
// body a JSON array of record numbers): the holder sends those records' files back to back, in
// that order; the builder of an output shard asks each holder once for all the records of the
// shard it holds and, knowing their sizes from the plan, cuts the body into one stream per file
// as it reaches each record. One request per shard and holder, not one per record: with small
// records the round trips were the whole cost.
import { Readable } from 'node:stream';
import { StoreError, isStoreError } from '../errors/index.js';
import { describeRequestError, fetchObjectStream, type IntraClient } from '../transport/index.js';
import { destroyQuietly } from '../util/stream-teardown.js';
import { ByteReader } from '../util/streams/byte-reader.js';
import { MemoryBody } from '../util/streams/memory-body.js';
import { apiPath, Resource } from '../wire/index.js';
import type { RecordStore, StoredRecord } from './record-store.js';

/** One file of a record being read: name, size, and a body to read to its end. */
export interface RecordFile {
  name: string;
  size: number;
  body: Readable;
}

export function recordsPath(jobId: string): string {
  return apiPath(Resource.dsort, jobId, 'records');
}

/**
 * Files up to this size are read whole from a holder's body and handed on as one buffer (a
 * stream per file costs more than its bytes); larger ones are streamed.
 */
const wholeFileBytes = 1 << 20;

/** What a dry run sends for a record, a chunk at a time. */
const zeroChunk = Buffer.alloc(64 << 10);

/**
 * The files of records held here, back to back (what the route sends). A dry run sends as many
 * zero bytes instead, as AIStore's does: the transfer is measured without reading the records.
 */
export function recordsBody(
  records: RecordStore,
  list: readonly StoredRecord[],
  dryRun: boolean,
): Readable {
  if (dryRun) {
    const size = list.reduce((total, record) => total + recordSize(record), 0);
    return Readable.from(
      (function* () {
        for (let left = size; left > 0; left -= zeroChunk.length)
          yield zeroChunk.subarray(0, Math.min(left, zeroChunk.length));
      })(),
      { objectMode: false },
    );
  }
  // Bytes, not objects: at most a chunk or so waits here for the socket, not 16 files.
  return Readable.from(backToBack(records, list), { objectMode: false });
}

/** Bytes in memory are sent in chunks of about this size (not one socket write per small file). */
const sendChunkBytes = 64 << 10;

async function* backToBack(
  records: RecordStore,
  list: readonly StoredRecord[],
): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = (): Buffer => {
    const chunk = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return chunk as Buffer;
  };
  for (const record of list)
    for (const file of record.files) {
      const memory = records.takeMemory(file);
      if (memory !== undefined) {
        pending.push(memory);
        pendingBytes += memory.length;
        if (pendingBytes >= sendChunkBytes) yield flush();
        continue;
      }
      if (pendingBytes > 0) yield flush();
      yield* records.open(file);
    }
  if (pendingBytes > 0) yield flush();
}

export function recordSize(record: StoredRecord): number {
  return record.files.reduce((total, file) => total + file.size, 0);
}

/** The files of a record held here, each as its own stream. */
export function* localRecordFiles(
  records: RecordStore,
  record: StoredRecord,
): Generator<RecordFile> {
  for (const file of record.files)
    yield { name: file.name, size: file.size, body: records.open(file) };
}

/** A target holding records: its ID (named in errors) and intra-cluster data URL. */
export interface RecordHolder {
  id: string;
  url: string;
}

/** A record another target holds: its number there, and its files' names and sizes. */
export interface RemoteRecord {
  index: number;
  files: ReadonlyArray<[string, number]>;
}

/**
 * The files of records another target holds, in order, cut out of one body (read each file to its
 * end before asking for the next). A holder that cannot be reached, or whose body stops short,
 * fails the read with an error naming that target. Nothing is asked before the first file is.
 */
export async function* remoteRecordFiles(
  client: IntraClient,
  holder: RecordHolder,
  jobId: string,
  records: readonly RemoteRecord[],
  timeoutMs: number,
): AsyncGenerator<RecordFile> {
  const url = `${holder.url}${recordsPath(jobId)}`;
  const unreachable = (detail: string, cause?: unknown): StoreError =>
    new StoreError('PeerUnreachable', `dsort: target ${holder.id} is unreachable (${detail})`, {
      cause,
    });
  let fetched;
  try {
    fetched = await fetchObjectStream(client, url, timeoutMs, {
      json: records.map((record) => record.index),
    });
  } catch (error) {
    if (!isStoreError(error) || error.code !== 'PeerUnreachable') throw error;
    throw unreachable(error.message, error);
  }
  if (fetched === undefined)
    throw new StoreError('ObjectNotFound', `dsort: ${url}: no such record`);
  const body = fetched.body;
  const reader = new ByteReader(
    (async function* (): AsyncGenerator<Buffer> {
      try {
        for await (const chunk of body) yield chunk as Buffer;
      } catch (error) {
        throw unreachable(`POST ${url}: ${describeRequestError(error)}`, error);
      }
    })(),
  );
  const cutShort = (): StoreError => unreachable(`POST ${url}: records cut short`);
  try {
    for (const [name, size] of records.flatMap((record) => record.files)) {
      if (size <= wholeFileBytes) {
        const bytes = size === 0 ? Buffer.alloc(0) : await reader.exactly(size);
        if (bytes === undefined) throw cutShort();
        yield { name, size, body: new MemoryBody(bytes) };
        continue;
      }
      const end = reader.consumed + size;
      const file = new Readable({
        read(this: Readable, wanted: number) {
          const left = end - reader.consumed;
          if (left === 0) {
            this.push(null);
            return;
          }
          reader.some(Math.min(left, Math.max(wanted, sendChunkBytes))).then(
            (chunk) => (chunk === undefined ? this.destroy(cutShort()) : this.push(chunk)),
            (error: unknown) => this.destroy(error as Error),
          );
        },
      });
      // The archive writer reads it and sees its errors; after an abort nobody does, and a read
      // that then fails on the destroyed response must not become an uncaught error.
      file.on('error', () => undefined);
      yield { name, size, body: file };
      if (reader.consumed !== end)
        throw new StoreError('Internal', `dsort: "${name}" was not read through`);
    }
  } finally {
    // Cut short (an abort, a failed shard): the rest of the body is not wanted.
    destroyQuietly(body);
  }
}
