// Object GETs that read inside a shard: `archpath` (one file's raw bytes) or `archregx` with
// `archmode` (a TAR of the matches), as AIStore's `ais/dpq.go` reads them.
import { pipeline } from 'node:stream/promises';
import { badRequest, StoreError } from '../../../errors/index.js';
import { takeLeaseInPlace } from '../../../util/streams/memory-body.js';
import { writeChunk } from '../../../util/write-chunk.js';
import { Header, Query } from '../../../wire/index.js';
import type { RequestContext } from '../../common/request-context.js';
import { acceptBody } from '../../common/http-server.js';
import type {
  ArchiveReadRequest,
  ArchiveWriteRequest,
  ObjectAddress,
  ObjectPort,
} from '../ports.js';
import { requestLength } from '../object-write-routes.js';
import { answerFromMemory } from '../object-headers.js';

/**
 * The shard read a GET asks for, or undefined for a plain GET. As in AIStore the multi-file read
 * is taken only when `archmode` is present: an `archregx` without it is refused, not ignored.
 */
export function archiveReadRequest(context: RequestContext): ArchiveReadRequest | undefined {
  const path = context.query.get(Query.archpath) ?? '';
  const expression = context.query.get(Query.archregx) ?? '';
  const mode = context.query.get(Query.archmode);
  const mime = context.query.get(Query.archmime) ?? '';
  if (path === '' && mode === null && expression === '') return undefined;
  if (path !== '' && (mode !== null || expression !== ''))
    throw badRequest(
      `"${Query.archpath}" and "${Query.archregx}"/"${Query.archmode}" are mutually exclusive`,
    );
  if (context.req.headers.range !== undefined)
    throw new StoreError('InvalidRange', 'a Range read of a file inside a shard is not supported');
  if (path !== '') return { mime, path };
  if (mode === null)
    throw badRequest(`"${Query.archregx}" selects files only with "${Query.archmode}"`);
  return { mime, match: { expression, mode: mode ?? '' } };
}

export async function getFromArchive(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
  request: ArchiveReadRequest,
): Promise<void> {
  const read = await port.getFromArchive(address, request);
  const { res } = context;
  const { bytes } = read;
  if (bytes !== undefined) {
    const headers = [Header.contentType, read.contentType, Header.contentLength, `${bytes.length}`];
    answerFromMemory(context, 200, headers, bytes);
    return;
  }
  res.statusCode = 200;
  res.setHeader(Header.contentType, read.contentType);
  if (read.size !== undefined) res.setHeader(Header.contentLength, read.size);
  // A file read whole (an indexed file of a plain tar) goes out in one write from the buffer it
  // was read into, as a small GET's bytes do: no stream between the store and the socket, no copy.
  const lease = takeLeaseInPlace(read.body);
  if (lease !== undefined) {
    try {
      if (lease.bytes.length > 0) await writeChunk(res, lease.bytes);
    } finally {
      lease.release();
    }
    res.end();
    return;
  }
  // A failure mid-way destroys the response: the client sees a truncated transfer, not a success.
  await pipeline(read.body, res);
}

const archiveWriteModes: Readonly<Record<string, ArchiveWriteRequest['mode']>> = {
  '': 'create',
  '0': 'create',
  '1': 'append',
  '2': 'append-or-create',
};

/** `PUT ?archpath=` (AIStore's PutApndArch): a non-empty body of announced length, `Ais-Pine` flags. */
export async function putIntoArchive(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const contentLength = requestLength(context);
  if (contentLength === undefined || contentLength === 0)
    throw badRequest('PUT into a shard: Content-Length is required and must be non-zero');
  const flags = String(context.req.headers[Header.archiveAppendFlags] ?? '');
  const mode = Object.hasOwn(archiveWriteModes, flags) ? archiveWriteModes[flags] : undefined;
  if (mode === undefined) throw badRequest(`invalid ${Header.archiveAppendFlags} "${flags}"`);
  const path = (context.query.get(Query.archpath) ?? '').replace(/^\/+/, '');
  // A file named out of the shard would be written outside wherever the shard is extracted; one
  // named as a directory makes a tar that tar cannot read past, and a zip that yazl refuses.
  if (path.split('/').includes('..'))
    throw badRequest(`archpath "${path}" is invalid: contains a ".." path segment`);
  if (path.endsWith('/')) throw badRequest(`archpath "${path}" is invalid: names a directory`);
  acceptBody(context);
  await port.putIntoArchive(address, {
    mime: context.query.get(Query.archmime) ?? '',
    path,
    body: context.req,
    contentLength,
    mode,
  });
  context.res.end();
}
