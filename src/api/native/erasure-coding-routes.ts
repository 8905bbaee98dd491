// `/v1/ec/<bucket>/<object>` on a target (intra-cluster port only): store, read and remove the EC
// slices, replicas and metafiles it holds for other targets; POST: a holder of a kept version's
// piece asks the object's owner to make sure it has that version.
import { StoreError, badRequest } from '../../errors/index.js';
import { ContentType, ErasureWhat, Header, Query } from '../../wire/index.js';
import { parseClientJson } from '../common/body.js';
import { acceptBody } from '../common/http-server.js';
import type { RequestContext } from '../common/request-context.js';
import { bucketFromRequest } from './bucket-address.js';
import { sendValue } from './json-response.js';
import type { ErasureCodingPort, ObjectAddress } from './ports.js';

export async function handleErasureCodingRequest(
  context: RequestContext,
  port: ErasureCodingPort | undefined,
  segments: readonly string[],
): Promise<void> {
  if (port === undefined || !context.intra) {
    throw new StoreError('MethodNotAllowed', '/v1/ec is an intra-cluster endpoint of targets');
  }
  const [bucketName = '', ...nameParts] = segments;
  if (bucketName === '' || nameParts.length === 0)
    throw badRequest('expecting /v1/ec/<bucket>/<object>');
  const address: ObjectAddress = {
    bucket: bucketFromRequest(context, bucketName),
    name: nameParts.join('/'),
  };
  switch (context.method) {
    case 'PUT':
      return storePiece(context, port, address);
    case 'GET':
      return readPiece(context, port, address);
    case 'DELETE':
      await port.remove(address);
      context.res.end();
      return;
    case 'POST':
      sendValue(context.res, await port.ensureKept(address, metadataHeader(context)));
      return;
    default:
      throw new StoreError('MethodNotAllowed', `method ${context.method} is not allowed on /v1/ec`);
  }
}

async function storePiece(
  context: RequestContext,
  port: ErasureCodingPort,
  address: ObjectAddress,
): Promise<void> {
  const metadata = metadataHeader(context);
  const lengthHeader = context.req.headers[Header.contentLength];
  const length = lengthHeader === undefined ? undefined : Number(lengthHeader);
  if (length !== undefined && (!Number.isSafeInteger(length) || length < 0))
    throw badRequest(`invalid Content-Length "${String(lengthHeader)}"`);
  acceptBody(context);
  sendValue(context.res, await port.store(address, metadata, context.req, length));
}

async function readPiece(
  context: RequestContext,
  port: ErasureCodingPort,
  address: ObjectAddress,
): Promise<void> {
  if (context.query.get(Query.what) === ErasureWhat.metadata) {
    const verify = context.query.get(Query.validateChecksum) === 'true';
    sendValue(context.res, await port.metadata(address, verify));
    return;
  }
  const { metadata, size, body } = await port.read(address);
  const { res } = context;
  res.statusCode = 200;
  res.setHeader(Header.erasureMetadata, JSON.stringify(metadata));
  res.setHeader(Header.contentType, ContentType.octetStream);
  res.setHeader(Header.contentLength, size);
  // A corrupt piece fails before its last chunk: the reader sees a short body, never bad bytes.
  await body.sendTo(res);
  res.end();
}

/** The metafile a request carries in its header (JSON, checked by the port). */
function metadataHeader(context: RequestContext): unknown {
  const text = context.req.headers[Header.erasureMetadata];
  if (typeof text !== 'string') throw badRequest(`missing ${Header.erasureMetadata} header`);
  return parseClientJson(text, `${Header.erasureMetadata} header`);
}
