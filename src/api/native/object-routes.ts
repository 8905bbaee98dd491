// `/v1/objects/<bucket>/<object>`: GET (ranges), HEAD (V1/V2), PUT, DELETE, PATCH custom metadata,
// and the writes of object-write-routes.ts (copy, append, multipart); or a 307 to the owning
// target when the port says so. What the route does not serve is refused first (route-policy.ts),
// on the gateway before the redirect and again on the target.
import { StoreError, badRequest, notImplemented } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import {
  Action,
  type ActionMessage,
  flagOnValues,
  Header,
  isObjectProp,
  Query,
} from '../../wire/index.js';
import { readActionMessage } from '../common/body.js';
import { hasSeveralRanges } from '../common/range.js';
import { acceptBody } from '../common/http-server.js';
import type { RequestContext } from '../common/request-context.js';
import { bucketFromRequest } from './bucket-address.js';
import {
  checkAction,
  checkQueryNames,
  checkQueryValues,
  objectOperation,
  type NativeScope,
  type ObjectOperation,
} from './route-policy.js';
import {
  answerFromMemory,
  getHeaderList,
  setGetHeaders,
  setObjectHeaders,
} from './object-headers.js';
import {
  abortUpload,
  appendObject,
  completeUpload,
  copyObject,
  createUpload,
  putPart,
  requestChecksum,
  requestLength,
} from './object-write-routes.js';
import { archiveReadRequest, getFromArchive, putIntoArchive } from './shards/archive-routes.js';
import type {
  EtlPort,
  ObjectAddress,
  ObjectBodySource,
  ObjectGet,
  ObjectPort,
  ReadRouting,
} from './ports.js';
import { promoteObjects } from './promote-route.js';
import { blobDownloadAddress, blobGetRequest, startBlobDownload } from './data/blob-route.js';

/**
 * A plain GET served here is answered with no promise when the port has its read at once (a
 * content hit): undefined then, else the promise of the answer.
 */
export function handleObjectRequest(
  context: RequestContext,
  port: ObjectPort,
  bucketName: string,
  objectName: string,
  etl?: EtlPort,
): Promise<void> | undefined {
  checkQueryNames(context);
  // Only a POST or DELETE has an action to read: the rest go on without waiting for it.
  if (context.method === 'POST' || context.method === 'DELETE')
    return withAction(context, port, bucketName, objectName, etl);
  return routeObject(context, port, bucketName, objectName, undefined, etl);
}

async function withAction(
  context: RequestContext,
  port: ObjectPort,
  bucketName: string,
  objectName: string,
  etl: EtlPort | undefined,
): Promise<void> {
  const message = await checkObjectAction(context, objectName === '' ? 'objects' : 'object');
  await routeObject(context, port, bucketName, objectName, message, etl);
}

function routeObject(
  context: RequestContext,
  port: ObjectPort,
  bucketName: string,
  objectName: string,
  message: ActionMessage | undefined,
  etl: EtlPort | undefined,
): Promise<void> | undefined {
  const operation = objectOperation(context, message?.action);
  checkQueryValues(context, 'object', operation);
  const address: ObjectAddress = {
    bucket: bucketFromRequest(context, bucketName),
    name: objectName,
  };
  // Promote names no object: the bucket's and the source's addressing are checked where it lands.
  if (message?.action === Action.promote)
    return promoteObjects(context, port, address.bucket, message);
  // Blob download names its object in the action: it runs at that object's owner.
  const blobAddress =
    message?.action === Action.blobDownload
      ? blobDownloadAddress(address.bucket, message)
      : undefined;
  const route: ObjectRoute = { context, port, address, operation, message, blobAddress, etl };
  const location = port.redirect(blobAddress ?? address, context);
  if (location instanceof Promise) return location.then((found) => serveObject(route, found));
  return serveObject(route, location);
}

/** An object request, checked, on its way to the port. */
interface ObjectRoute {
  context: RequestContext;
  port: ObjectPort;
  address: ObjectAddress;
  operation: ObjectOperation;
  message: ActionMessage | undefined;
  /** A blob download's object (named in its action). */
  blobAddress: ObjectAddress | undefined;
  etl: EtlPort | undefined;
}

/** The request once the port said where it is served: a 307 to `location`, or here. */
function serveObject(route: ObjectRoute, location: string | undefined): Promise<void> | undefined {
  const { context, port, address, operation, message, blobAddress, etl } = route;
  if (location !== undefined) {
    context.res.writeHead(307, { [Header.location307]: location, [Header.contentLength]: 0 });
    context.res.end();
    return undefined;
  }
  if (blobAddress !== undefined && message !== undefined)
    return startBlobDownload(context, port, blobAddress, message);
  switch (context.method) {
    case 'GET':
      // Only the bucket in the query (the usual GET): no archive, ETL or routing to read from it.
      if (bucketOnlyQuery(context)) return readObject(context, port, address, {});
      if ((context.query.get(Query.etlName) ?? '') !== '') {
        if (etl?.transform === undefined) throw notImplemented('inline ETL on this node');
        return etl.transform(context, address);
      }
      return getObject(context, port, address);
    case 'HEAD':
      return headObject(context, port, address);
    case 'PUT':
      if (operation === 'copy' && (context.query.get(Query.etlName) ?? '') !== '') {
        if (etl?.copy === undefined) throw notImplemented('a copy through an ETL on this node');
        return etl.copy(context, address);
      }
      return putOperation(context, port, address, operation);
    case 'POST':
      if (operation === 'mpt-upload') return createUpload(context, port, address);
      if (operation === 'mpt-complete') return completeUpload(context, port, address, message);
      break;
    case 'DELETE':
      return deleteObject(context, port, address, operation);
    case 'PATCH':
      return patchObject(context, port, address);
  }
  throw new StoreError('MethodNotAllowed', `method ${context.method} is not allowed on objects`);
}

async function deleteObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
  operation: ObjectOperation,
): Promise<void> {
  if (operation === 'mpt-abort') return abortUpload(context, port, address);
  if (operation === Action.evictListRange) await port.evict(address);
  else await port.delete(address);
  context.res.end();
}

/**
 * POST (rename, multipart, promote, blob download...) and DELETE with an action (multipart abort,
 * evict) are other operations than the plain ones: their action is read here, before any redirect,
 * and refused unless the route runs it (multipart on an object); the message is returned. A DELETE
 * without a body is a plain delete.
 */
async function checkObjectAction(
  context: RequestContext,
  scope: NativeScope,
): Promise<ActionMessage | undefined> {
  const message = await readActionMessage(context);
  if (message === undefined) {
    if (context.method === 'POST') throw badRequest('POST object: missing action message');
    return undefined;
  }
  checkAction(scope, context.method, message.action);
  return message;
}

function putOperation(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
  operation: ObjectOperation,
): Promise<void> {
  switch (operation) {
    case 'copy':
      return copyObject(context, port, address);
    case 'append':
      return appendObject(context, port, address);
    case 'part':
      return putPart(context, port, address);
    case 'archive':
      return putIntoArchive(context, port, address);
    default:
      return putObject(context, port, address);
  }
}

function getObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> | undefined {
  const archive = archiveReadRequest(context);
  if (archive !== undefined) return getFromArchive(context, port, address, archive);
  return readObject(context, port, address, readRouting(context));
}

/** The object's GET (no archive read): its one range at most, read and answered. */
function readObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
  routing: ReadRouting,
): Promise<void> | undefined {
  const { headers } = context.req;
  // AIStore serves one range: several are 416 (native-api: not the whole object, as S3 does).
  if (hasSeveralRanges(headers.range))
    throw new StoreError('InvalidRange', `several ranges ("${headers.range}") are not supported`);
  const blob = blobGetRequest(headers);
  if (blob !== undefined) routing.blob = blob;
  const read = port.get(address, headers.range, routing);
  if (read instanceof Promise) return read.then((found) => answerGet(context, found));
  return answerGet(context, read);
}

/**
 * Whether the query names the bucket only (`provider`, `namespace`, each once) or nothing: a GET
 * then has no archive read, ETL, stand-in, `latest-ver` or `original_url` to look up.
 */
function bucketOnlyQuery(context: RequestContext): boolean {
  if (context.search === '') return true;
  const { query } = context;
  const { size } = query;
  if (size > 2) return false;
  return (query.has(Query.provider) ? 1 : 0) + (query.has(Query.namespace) ? 1 : 0) === size;
}

/** A GET's answer: at once for bytes in memory (undefined), else the promise of its send. */
function answerGet(context: RequestContext, read: ObjectGet): Promise<void> | undefined {
  const { object, body, range } = read;
  const { res } = context;
  const headers = getHeaderList(object, range);
  const status = range === undefined ? 200 : 206;
  // The request stats read the answer's length from here (no Content-Length header to parse).
  context.answerLength = range === undefined ? object.size : range.end - range.start + 1;
  // Small verified bytes in memory (a content hit): the head as one list and the bytes in one
  // `end`, as nothing can fail between them; anything else may still fail before its first byte
  // (a file read, bitrot) and answer an error instead, so its headers stay unsent until then.
  const bytes = body.takeSmall?.();
  if (bytes !== undefined) {
    answerFromMemory(context, status, headers, bytes);
    return undefined;
  }
  res.statusCode = status;
  setGetHeaders(res, headers);
  return sendBody(context, body);
}

/**
 * A send error (e.g. bitrot found before the last chunk) destroys the response, so the client
 * sees a truncated transfer, never a completed success.
 */
async function sendBody(context: RequestContext, body: ObjectBodySource): Promise<void> {
  await body.sendTo(context.res);
  context.res.end();
}

async function headObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const propsParam = context.query.get(Query.props);
  let selected: Set<string> | undefined;
  // AIStore: an empty `props` is the V1 HEAD (everything), not a V2 asking for nothing.
  if (propsParam !== null && propsParam !== '') {
    const names = propsParam.split(',').map((prop) => prop.trim());
    selected = new Set(names.filter((prop) => prop !== ''));
    for (const prop of selected) {
      if (!isObjectProp(prop)) throw badRequest(`invalid property "${prop}" in props list`);
    }
  }
  const chunks = selected?.has('chunked') === true;
  // AIStore's presence 1 and 3 ask "is it there?" without properties: 200 and no headers at all.
  const presence = context.query.get(Query.presence);
  const inClusterOnly = presence === '1' || presence === '2' || presence === '3';
  const object = await port.head(address, { ...readRouting(context), chunks, inClusterOnly });
  if (presence !== '1' && presence !== '3')
    setObjectHeaders(context.res, object, context.nodeId, selected);
  context.res.end();
}

/**
 * A read a gateway sent here in place of an unreachable owner says so in its query; `latest-ver`,
 * `original_url` (a GET's blob download headers: `readObject`).
 */
function readRouting(context: RequestContext): ReadRouting {
  const substituteFor = context.query.get(Query.substituteFor);
  const routing: ReadRouting =
    substituteFor === null || substituteFor === '' ? {} : { substituteFor };
  if (flagOnValues.includes(context.query.get(Query.latestVersion) ?? ''))
    routing.latestVersion = true;
  const originalUrl = context.query.get(Query.originalUrl) ?? '';
  if (originalUrl !== '') routing.originalUrl = originalUrl;
  return routing;
}

async function putObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const contentLength = requestLength(context);
  const checksum = requestChecksum(context);
  acceptBody(context);
  await port.put(address, context.req, { contentLength, checksum });
  context.res.end();
}

/** AIStore's client sends `{"value": {k: v}}` (action empty); `set-new-custom=true` replaces all. */
async function patchObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const message = await readActionMessage(context);
  if (message !== undefined) checkAction('object', context.method, message.action);
  const map = asRecord(message?.value);
  if (message === undefined || map === undefined) {
    throw badRequest('PATCH object: expected an action message whose value is a string map');
  }
  const metadata: Record<string, string> = {};
  for (const [key, item] of Object.entries(map)) {
    if (typeof item !== 'string')
      throw badRequest(`PATCH object: custom metadata "${key}" must be a string`);
    metadata[key] = item;
  }
  // AIStore parses the flag with Go's ParseBool: `t`, `1` and `True` replace too.
  const replace = flagOnValues.includes(context.query.get(Query.setNewCustom) ?? '');
  await port.setCustomMetadata(address, metadata, replace);
  context.res.end();
}
