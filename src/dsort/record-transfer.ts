// Records between targets (`GET /v1/dsort/<id>/records/<n>` on the owner's intra-cluster port):
// the owner sends the record's files back to back; the builder of an output shard, knowing their
// sizes from the plan, cuts the body into one stream per file as it reads it.
import { Readable } from 'node:stream';
import { StoreError, isStoreError } from '../errors/index.js';
import { describeRequestError, fetchObjectStream, type IntraClient } from '../transport/index.js';
import { destroyQuietly } from '../util/stream-teardown.js';
import { apiPath, Resource } from '../wire/index.js';
import type { RecordStore, StoredRecord } from './record-store.js';

/** One file of a record being read: name, size, and a body to read to its end. */
export interface RecordFile {
  name: string;
  size: number;
  body: Readable;
}

export function recordPath(jobId: string, index: number): string {
  return apiPath(Resource.dsort, jobId, 'records', String(index));
}

/** What a dry run sends for a record, a chunk at a time. */
const zeroChunk = Buffer.alloc(64 << 10);

/**
 * The files of a record held here, back to back (what the route sends). A dry run sends as many
 * zero bytes instead, as AIStore's does: the transfer is measured without reading the records.
 */
export function recordBody(records: RecordStore, record: StoredRecord, dryRun: boolean): Readable {
  if (dryRun) {
    const size = record.files.reduce((total, file) => total + file.size, 0);
    return Readable.from(
      (function* () {
        for (let left = size; left > 0; left -= zeroChunk.length)
          yield zeroChunk.subarray(0, Math.min(left, zeroChunk.length));
      })(),
    );
  }
  return Readable.from(
    (async function* () {
      for (const file of record.files) yield* records.open(file);
    })(),
  );
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

/**
 * The files of a record another target holds, cut out of one body in order. A holder that cannot
 * be reached, or whose body stops short, fails the read with an error naming that target.
 */
export async function* remoteRecordFiles(
  client: IntraClient,
  holder: RecordHolder,
  jobId: string,
  index: number,
  files: ReadonlyArray<[string, number]>,
  timeoutMs: number,
): AsyncGenerator<RecordFile> {
  const url = `${holder.url}${recordPath(jobId, index)}`;
  const unreachable = (detail: string, cause?: unknown): StoreError =>
    new StoreError('PeerUnreachable', `dsort: target ${holder.id} is unreachable (${detail})`, {
      cause,
    });
  let fetched;
  try {
    fetched = await fetchObjectStream(client, url, timeoutMs);
  } catch (error) {
    if (!isStoreError(error) || error.code !== 'PeerUnreachable') throw error;
    throw unreachable(error.message, error);
  }
  if (fetched === undefined)
    throw new StoreError('ObjectNotFound', `dsort: ${url}: no such record`);
  const chunks = fetched.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const nextChunk = async (): Promise<IteratorResult<Buffer>> => {
    try {
      return await chunks.next();
    } catch (error) {
      throw unreachable(`GET ${url}: ${describeRequestError(error)}`, error);
    }
  };
  let leftover: Buffer | undefined;
  try {
    for (const [name, size] of files) {
      let remaining = size;
      const part = async function* (): AsyncGenerator<Buffer> {
        while (remaining > 0) {
          let chunk = leftover;
          leftover = undefined;
          if (chunk === undefined) {
            const next = await nextChunk();
            if (next.done === true) throw unreachable(`GET ${url}: record cut short`);
            chunk = next.value;
          }
          if (chunk.length > remaining) {
            leftover = chunk.subarray(remaining);
            chunk = chunk.subarray(0, remaining);
          }
          remaining -= chunk.length;
          yield chunk;
        }
      };
      const body = Readable.from(part());
      // The archive writer reads it and sees its errors; after an abort nobody does, and a read
      // that then fails on the destroyed response must not become an uncaught error.
      body.on('error', () => undefined);
      yield { name, size, body };
      if (remaining > 0) throw new StoreError('Internal', `dsort: "${name}" was not read through`);
    }
  } finally {
    // Cut short (an abort, a failed shard): the rest of the body is not wanted.
    destroyQuietly(fetched.body);
    await chunks.return?.();
  }
}
