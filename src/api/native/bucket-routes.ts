// `/v1/buckets[/<bucket>]`: list buckets, list objects, HEAD props, and control actions. What the
// route does not serve is refused first (route-policy.ts).
import { StoreError, badRequest } from '../../errors/index.js';
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
import type { BucketPort, BucketSummaryPort } from './ports.js';
import { checkAction, checkQuery } from './route-policy.js';
import { sendSummaryAction, sendSummaryHead } from './bucket-summary-routes.js';

export async function handleBucketRequest(
  context: RequestContext,
  port: BucketPort,
  bucketName: string | undefined,
  extraSegments: readonly string[] = [],
  summary?: BucketSummaryPort,
): Promise<void> {
  if (bucketName === undefined || bucketName === '') {
    checkQuery(context, 'buckets');
    if (context.method !== 'GET') {
      throw new StoreError('MethodNotAllowed', `method ${context.method} needs a bucket name`);
    }
    const message = await readActionMessage(context);
    if (message !== undefined) checkAction('buckets', context.method, message.action);
    const spelling = context.query.get(Query.provider);
    const provider = spelling === null || spelling === '' ? undefined : normalizeProvider(spelling);
    if (spelling !== null && spelling !== '' && provider === undefined) {
      throw new StoreError('UnknownProvider', `invalid backend provider "${spelling}"`);
    }
    sendValue(context.res, port.listBuckets(provider));
    return;
  }
  checkQuery(context, 'bucket');
  // HEAD with a summary takes a prefix after the bucket (AIStore). Elsewhere
  // `/v1/buckets/bucket/badname` names the bucket "bucket/badname", which the name check refuses
  // with AIStore's wording: `DELETE /v1/buckets/b/o` never destroys bucket b.
  const summaryHead =
    context.method === 'HEAD' && (context.query.get(Query.bucketSummary) ?? '') !== '';
  const fullName = summaryHead
    ? bucketName
    : [bucketName, ...extraSegments].join('/').replace(/\/+$/, '');
  const bucket = bucketFromRequest(context, fullName);
  switch (context.method) {
    case 'HEAD': {
      const props = await port.props(bucket, context);
      context.res.setHeader(Header.bucketProps, stringifyJson(props));
      if (summaryHead) return sendSummaryHead(context, summary, bucket, extraSegments.join('/'));
      if ((context.query.get(Query.uuid) ?? '') !== '')
        throw badRequest(
          `"${Query.uuid}" on HEAD bucket names a summary: add "${Query.bucketSummary}"`,
        );
      context.res.end();
      return;
    }
    case 'GET': {
      const message = await readActionMessage(context);
      checkAction('bucket', context.method, message?.action ?? Action.list);
      if (message?.action === Action.summaryBucket)
        return sendSummaryAction(context, summary, bucket, message.value);
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
      checkAction('bucket', context.method, message.action);
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
