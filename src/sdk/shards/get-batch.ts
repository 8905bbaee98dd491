// GetBatch (`GET /v1/ml/moss[/<bucket>]`) as AIStore's clients send it: the MossReq as a GET body,
// re-sent on the gateway's 307 to the designated target; the answer is the archive, streamed.
import {
  ContentType,
  Header,
  Query,
  apiPath,
  type BucketJson,
  type MossReqJson,
} from '../../wire/index.js';
import { headerValue, throwIfError, type HttpExchange } from '../http-exchange.js';
import { clusterLabel } from '../labels.js';
import { jsonBody } from '../request-body.js';
import type { ArchiveReadResult } from './shard-objects.js';

export async function getBatch(
  exchange: HttpExchange,
  endpoint: string,
  request: MossReqJson,
  bucket?: BucketJson,
): Promise<ArchiveReadResult> {
  const label = clusterLabel(`GetBatch of ${request.in.length} item(s)`);
  const path = bucket === undefined ? apiPath('ml', 'moss') : apiPath('ml', 'moss', bucket.name);
  const url = new URL(`${endpoint}${path}`);
  if (bucket !== undefined) url.searchParams.set(Query.provider, bucket.provider);
  const response = await exchange.streaming({
    method: 'GET',
    url,
    label,
    headers: { [Header.contentType]: ContentType.json },
    body: jsonBody(request),
  });
  await throwIfError(response, label, [200]);
  return {
    contentType: headerValue(response.headers, Header.contentType) ?? '',
    body: response.body,
  };
}
