// `/v1/buckets[/<bucket>]`: list buckets, list objects, HEAD props, and control actions.
import { StoreError, badRequest, notImplemented } from '../../errors/index.js';
import { asRecord, stringifyJson } from '../../util/json.js';
import {
  Action,
  Header,
  Query,
  normalizeProvider,
  type ListObjectsRequestJson,
} from '../../wire/index.js';
import { readActionMessage } from '../common/body.js';
import type { RequestContext } from '../common/request-context.js';
import { bucketFromRequest } from './bucket-address.js';
import { sendValue } from './json-response.js';
import { sendListPage } from './list-encoding.js';
import type { BucketPort } from './ports.js';

const controlActions: Record<string, readonly string[]> = {
  POST: [Action.createBucket, Action.makeNCopies, Action.ecEncode],
  DELETE: [Action.destroyBucket, Action.deleteListRange],
  PATCH: [Action.setBucketProps, Action.resetBucketProps],
};

export async function handleBucketRequest(
  context: RequestContext,
  port: BucketPort,
  bucketName: string | undefined,
): Promise<void> {
  if (bucketName === undefined || bucketName === '') {
    if (context.method !== 'GET') {
      throw new StoreError('MethodNotAllowed', `method ${context.method} needs a bucket name`);
    }
    const message = await readActionMessage(context);
    if (message !== undefined && message.action !== Action.list) {
      throw badRequest(`invalid action "${message.action}" for listing buckets`);
    }
    const spelling = context.query.get(Query.provider);
    const provider = spelling === null || spelling === '' ? undefined : normalizeProvider(spelling);
    if (spelling !== null && spelling !== '' && provider === undefined) {
      throw new StoreError('UnknownProvider', `invalid backend provider "${spelling}"`);
    }
    sendValue(context.res, port.listBuckets(provider));
    return;
  }
  const bucket = bucketFromRequest(context, bucketName);
  switch (context.method) {
    case 'HEAD': {
      const props = port.props(bucket);
      context.res.setHeader(Header.bucketProps, stringifyJson(props));
      context.res.end();
      return;
    }
    case 'GET': {
      const message = await readActionMessage(context);
      const action = message?.action ?? Action.list;
      if (action !== Action.list) throw notImplemented(`bucket action "${action}"`);
      const request = (asRecord(message?.value) ?? {}) as ListObjectsRequestJson;
      sendListPage(
        context.res,
        await port.listObjects(bucket, request),
        context.req.headers.accept,
      );
      return;
    }
    case 'POST':
    case 'DELETE':
    case 'PATCH':
    case 'PUT': {
      const message = await readActionMessage(context);
      if (message === undefined)
        throw badRequest(`${context.method} bucket: missing action message`);
      if (!(controlActions[context.method] ?? []).includes(message.action)) {
        throw notImplemented(`bucket action "${message.action}"`);
      }
      sendValue(context.res, await port.control(bucket, message, context));
      return;
    }
    default:
      throw new StoreError(
        'MethodNotAllowed',
        `method ${context.method} is not allowed on buckets`,
      );
  }
}
