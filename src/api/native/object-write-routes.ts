// The object writes beyond a plain PUT, as AIStore's clients send them: single-object copy
// (`PUT ?object_to=`), APPEND (`PUT ?append_type=append|flush&append_handle=`) and native multipart
// upload (`POST mpt-upload`, `PUT ?uploadId=&partNumber=`, `POST mpt-complete`, `DELETE mpt-abort`).
// Wire details: ais-native-extras.md §2-4; error texts are AIStore's where clients read them.
import { StoreError, badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import {
  AppendType,
  ContentType,
  flagOnValues,
  Header,
  parseAppendHandle,
  parseObjectUname,
  Query,
  type ActionMessage,
} from '../../wire/index.js';
import { acceptBody } from '../common/http-server.js';
import type { RequestContext } from '../common/request-context.js';
import type { ObjectAddress, ObjectPort } from './ports.js';

/** AIStore's largest part number (`core/ufest.go`). */
export const maxPartNumber = 9999;

/** The request's Content-Length (undefined when it has none); a malformed one is a 400. */
export function requestLength(context: RequestContext): number | undefined {
  const header = context.req.headers[Header.contentLength];
  const length = header === undefined ? undefined : Number(header);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0))
    throw badRequest(`invalid Content-Length "${String(header)}"`);
  return length;
}

/** `Ais-Checksum-Type` and `-Value` (both or neither); type `none` means no checksum. */
export function requestChecksum(
  context: RequestContext,
): { type: string; value: string } | undefined {
  const { headers } = context.req;
  const type = headers[Header.checksumType];
  const value = headers[Header.checksumValue];
  if ((type === undefined) !== (value === undefined))
    throw badRequest(`${Header.checksumType} and ${Header.checksumValue} must be given together`);
  return typeof type === 'string' && typeof value === 'string' && type !== 'none'
    ? { type, value }
    : undefined;
}

/** `PUT ?object_to=<uname>`: the body, if any, is not read (AIStore ignores it too). */
export async function copyObject(
  context: RequestContext,
  port: ObjectPort,
  source: ObjectAddress,
): Promise<void> {
  const uname = context.query.get(Query.objectTo) ?? '';
  const parsed = parseObjectUname(uname);
  if (typeof parsed === 'string') throw badRequest(`parse-uname "${uname}": ${parsed}`);
  const flag = (name: string): boolean => flagOnValues.includes(context.query.get(name) ?? '');
  await port.copy(
    source,
    { bucket: parsed.bucket, name: parsed.objectName },
    { latestVersion: flag(Query.latestVersion), synchronize: flag(Query.synchronize) },
  );
  context.res.end();
}

/**
 * The node an APPEND with a handle must reach (the handle's first field), or undefined for any
 * other request; a handle that is not four `|`-separated fields is a 400.
 */
export function appendHandleNode(context: RequestContext): string | undefined {
  if (context.method !== 'PUT' || (context.query.get(Query.appendType) ?? '') === '')
    return undefined;
  const text = context.query.get(Query.appendHandle) ?? '';
  if (text === '') return undefined;
  const handle = parseAppendHandle(text);
  if (handle === undefined) throw invalidAppendHandle(text);
  return handle.nodeId;
}

/** AIStore's 400 for a handle it cannot use. */
export function invalidAppendHandle(text: string, reason?: string): StoreError {
  const shown = text.length > 300 ? `${text.slice(0, 300)}...` : text;
  return badRequest(
    `invalid APPEND handle: ${JSON.stringify(shown)}${reason ? `: ${reason}` : ''}`,
  );
}

/** `append` adds the body and answers with the next handle; `flush` commits (its body ignored). */
export async function appendObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const handle = context.query.get(Query.appendHandle) ?? '';
  if (context.query.get(Query.appendType) === AppendType.append) {
    const contentLength = requestLength(context);
    acceptBody(context);
    const next = await port.append(address, { handle, body: context.req, contentLength });
    context.res.setHeader(Header.appendHandle, next);
    context.res.end();
    return;
  }
  if (handle === '')
    throw badRequest('failed to finalize append-file operation: empty source (no append handle)');
  const checksum = requestChecksum(context);
  await port.flush(address, handle, checksum);
  context.res.end();
}

/** `PUT ?uploadId=&partNumber=`: 200 with no ETag header, as AIStore's native handler answers. */
export async function putPart(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const uploadId = context.query.get(Query.uploadId) ?? '';
  const text = context.query.get(Query.partNumber) ?? '';
  const partNumber = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(partNumber))
    throw badRequest(`invalid part number "${text}" for uploadID ${uploadId}`);
  if (partNumber < 1 || partNumber > maxPartNumber) {
    throw badRequest(
      `invalid part number ${partNumber} for uploadID ${uploadId}: must be 1..${maxPartNumber}`,
    );
  }
  const contentLength = requestLength(context);
  if (contentLength === undefined)
    throw new StoreError(
      'MissingContentLength',
      `${address.name}: put-part requires Content-Length`,
    );
  if (contentLength === 0) throw badRequest(`${address.name}: put-part invalid size (0)`);
  acceptBody(context);
  await port.uploadPart(address, { uploadId, partNumber, body: context.req, contentLength });
  context.res.end();
}

/** `POST mpt-upload`: the upload ID as the plain-text body. */
export async function createUpload(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const uploadId = await port.createUpload(address);
  const body = Buffer.from(uploadId, 'utf8');
  context.res.writeHead(200, {
    [Header.contentType]: ContentType.text,
    [Header.contentLength]: body.length,
  });
  context.res.end(body);
}

/** `POST mpt-complete` with `value: [{"part-number": n, "etag": ""}, ...]` (any order). */
export async function completeUpload(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
  message: ActionMessage | undefined,
): Promise<void> {
  const uploadId = context.query.get(Query.uploadId) ?? '';
  if (uploadId === '') throw badRequest(`${address.name}: mpt-complete: missing uploadId`);
  const value = message?.value;
  if (!Array.isArray(value))
    throw badRequest(`${address.name}: mpt-complete: value must be a list of parts`);
  const partNumbers = value.map((item: unknown, index) => {
    const part = asRecord(item);
    const number = part?.['part-number'];
    const etag = part?.etag;
    const known = part === undefined ? [] : Object.keys(part);
    if (
      typeof number !== 'number' ||
      !Number.isSafeInteger(number) ||
      (etag !== undefined && typeof etag !== 'string') ||
      known.some((key) => key !== 'part-number' && key !== 'etag')
    )
      throw badRequest(`chunk at (${index}) has invalid number`);
    return number;
  });
  await port.completeUpload(address, uploadId, partNumbers);
  context.res.end();
}

/** `DELETE mpt-abort`: the ID is checked as AIStore's `ValidateManifestID` does. */
export async function abortUpload(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const uploadId = context.query.get(Query.uploadId) ?? '';
  const problem =
    uploadId.length < 8
      ? 'is too short'
      : uploadId.length > 128
        ? 'is too long'
        : /^[\x21-\x7e]+$/.test(uploadId) && !/[/\\]/.test(uploadId)
          ? undefined
          : 'contains invalid characters';
  if (problem !== undefined)
    throw badRequest(`chunk-manifest ID ${JSON.stringify(uploadId.slice(0, 130))} ${problem}`);
  await port.abortUpload(address, uploadId);
  context.res.end();
}
