// One file into a shard (AIStore's PUT with `archpath` and `Ais-Pine`): a new shard holding only
// it, or the shard's files followed by it. Every format is rewritten as a stream into a new
// version of the object (a PUT, atomic like any other); TAR is not appended in place.
import type { ArchiveWriteRequest } from '../../../api/native/index.js';
import {
  archiveEntries,
  createArchiveWriter,
  detectFormat,
  formatFromName,
  requireFormat,
  type ArchiveFormat,
  type ArchiveWriter,
} from '../../../archive/index.js';
import { badRequest, isStoreError } from '../../../errors/index.js';
import type { ObjectService } from '../objects/object-service.js';
import { nativePutRequest, type ObjectTarget } from '../objects/object-types.js';
import { openShard, type OpenedShard } from './object-archive-source.js';

export async function writeIntoShard(
  objects: ObjectService,
  target: ObjectTarget,
  request: ArchiveWriteRequest,
  nowMs: number,
): Promise<void> {
  if (request.path === '') throw badRequest('PUT into a shard: empty archpath');
  const existing =
    request.mode === 'create' ? undefined : await openExisting(objects, target, request);
  const format = existing?.format ?? newShardFormat(target.name, request.mime);
  const writer = createArchiveWriter(format);
  const filled = fill(writer, existing, request, nowMs);
  const put = objects.put(
    target.bucket,
    nativePutRequest(target.bucket, target.name, writer.output, {
      contentLength: undefined,
      checksum: undefined,
    }),
  );
  // A failed source aborts the archive, which fails the PUT: nothing is committed; a failed PUT
  // aborts the archive, so that no source waits on it.
  put.catch((error: unknown) =>
    writer.abort(error instanceof Error ? error : new Error(String(error))),
  );
  const [fillResult, putResult] = await Promise.allSettled([filled, put]);
  if (fillResult.status === 'rejected') throw fillResult.reason;
  if (putResult.status === 'rejected') throw putResult.reason;
}

/** The shard and its format; undefined to create one (`append-or-create` and no shard yet). */
async function openExisting(
  objects: ObjectService,
  target: ObjectTarget,
  request: ArchiveWriteRequest,
): Promise<(OpenedShard & { format: ArchiveFormat }) | undefined> {
  try {
    const shard = await openShard(objects, target);
    return { ...shard, format: await detectFormat(shard.source, target.name, request.mime) };
  } catch (error) {
    if (
      request.mode === 'append-or-create' &&
      isStoreError(error) &&
      error.code === 'ObjectNotFound'
    )
      return undefined;
    throw error;
  }
}

function newShardFormat(name: string, mime: string): ArchiveFormat {
  if (mime !== '') return requireFormat(mime);
  const format = formatFromName(name);
  if (format === undefined)
    throw badRequest(
      `cannot tell the archive format of "${name}": give "archmime" or an extension`,
    );
  return format;
}

async function fill(
  writer: ArchiveWriter,
  existing: (OpenedShard & { format: ArchiveFormat }) | undefined,
  request: ArchiveWriteRequest,
  nowMs: number,
): Promise<void> {
  try {
    if (existing !== undefined) {
      for await (const entry of archiveEntries(existing.source, existing.format))
        await writer.add(entry.name, entry.size, entry.body, existing.object.modifiedTimeMs);
    }
    await writer.add(request.path, request.contentLength, request.body, nowMs);
    writer.finish();
  } catch (error) {
    writer.abort(error instanceof Error ? error : new Error(String(error)));
    throw error;
  }
}
