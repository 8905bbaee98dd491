// `/v1/objects/<bucket>/<object>`: GET (ranges), HEAD (V1/V2), PUT, DELETE, PATCH custom metadata;
// or a 307 to the owning target when the port says so. What the route does not serve is refused
// first (route-policy.ts), on the gateway before the redirect and again on the target.
import { StoreError, badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import { flagOnValues, Header, ObjectProp, Query } from '../../wire/index.js';
import { readActionMessage } from '../common/body.js';
import { acceptBody } from '../common/http-server.js';
import type { RequestContext } from '../common/request-context.js';
import { bucketFromRequest } from './bucket-address.js';
import { checkAction, checkQuery } from './route-policy.js';
import { setGetHeaders, setObjectHeaders } from './object-headers.js';
import type { ObjectAddress, ObjectPort, ReadRouting } from './ports.js';

export async function handleObjectRequest(
  context: RequestContext,
  port: ObjectPort,
  bucketName: string,
  objectName: string,
): Promise<void> {
  checkQuery(context, 'object');
  await checkObjectAction(context);
  const address: ObjectAddress = {
    bucket: bucketFromRequest(context, bucketName),
    name: objectName,
  };
  const location = await port.redirect(address, context);
  if (location !== undefined) {
    context.res.writeHead(307, { [Header.location307]: location, [Header.contentLength]: 0 });
    context.res.end();
    return;
  }
  switch (context.method) {
    case 'GET':
      return getObject(context, port, address);
    case 'HEAD':
      return headObject(context, port, address);
    case 'PUT':
      return putObject(context, port, address);
    case 'DELETE':
      await port.delete(address);
      context.res.end();
      return;
    case 'PATCH':
      return patchObject(context, port, address);
    default:
      throw new StoreError(
        'MethodNotAllowed',
        `method ${context.method} is not allowed on objects`,
      );
  }
}

/**
 * POST (rename, multipart, promote, blob download...) and DELETE with an action (multipart abort,
 * evict) are other operations than the plain ones: their action is read and refused here, before
 * any redirect. A DELETE without a body is a plain delete.
 */
async function checkObjectAction(context: RequestContext): Promise<void> {
  if (context.method !== 'POST' && context.method !== 'DELETE') return;
  const message = await readActionMessage(context);
  if (message === undefined) {
    if (context.method === 'POST') throw badRequest('POST object: missing action message');
    return;
  }
  checkAction('object', context.method, message.action);
}

async function getObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const { object, body, range } = await port.get(
    address,
    context.req.headers.range,
    readRouting(context),
  );
  const { res } = context;
  setGetHeaders(res, object, range !== undefined);
  if (range === undefined) {
    res.statusCode = 200;
    res.setHeader(Header.contentLength, object.size);
  } else {
    res.statusCode = 206;
    res.setHeader(Header.contentLength, range.end - range.start + 1);
    res.setHeader(Header.contentRange, `bytes ${range.start}-${range.end}/${object.size}`);
  }
  // A send error (e.g. bitrot found before the last chunk) destroys the response, so the client
  // sees a truncated transfer, never a completed success.
  await body.sendTo(res);
  res.end();
}

async function headObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const propsParam = context.query.get(Query.props);
  const object = await port.head(address, readRouting(context));
  let selected: Set<string> | undefined;
  // AIStore: an empty `props` is the V1 HEAD (everything), not a V2 asking for nothing.
  if (propsParam !== null && propsParam !== '') {
    selected = new Set(propsParam.split(',').filter((prop) => prop !== ''));
    for (const prop of selected) {
      if (prop === 'cached' || prop === 'status')
        throw badRequest(`HEAD object: property "${prop}" is not supported`);
      if (!(Object.values(ObjectProp) as string[]).includes(prop)) {
        throw badRequest(`HEAD object: unknown property "${prop}"`);
      }
    }
  }
  setObjectHeaders(context.res, object, context.nodeId, selected);
  context.res.end();
}

/** A read a gateway sent here in place of an unreachable owner says so in its query. */
function readRouting(context: RequestContext): ReadRouting {
  const substituteFor = context.query.get(Query.substituteFor);
  return substituteFor === null || substituteFor === '' ? {} : { substituteFor };
}

async function putObject(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
): Promise<void> {
  const { headers } = context.req;
  const lengthHeader = headers[Header.contentLength];
  const contentLength = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (contentLength !== undefined && (!Number.isSafeInteger(contentLength) || contentLength < 0)) {
    throw badRequest(`invalid Content-Length "${String(lengthHeader)}"`);
  }
  const type = headers[Header.checksumType];
  const value = headers[Header.checksumValue];
  if ((type === undefined) !== (value === undefined)) {
    throw badRequest(`${Header.checksumType} and ${Header.checksumValue} must be given together`);
  }
  const checksum =
    typeof type === 'string' && typeof value === 'string' && type !== 'none'
      ? { type, value }
      : undefined;
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
