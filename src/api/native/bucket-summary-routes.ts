// Bucket summaries on the wire (AIStore's two ways): `GET /v1/buckets/<b>` with action
// `summary-bck` (202 and the job ID as text; then polled with the ID in `uuid`: 202 `[]`, 206 or 200
// with a JSON array of BsummResult), and `HEAD /v1/buckets/<b>[/<prefix>]?bsumm_remote=...` (202 with
// `Ais-Xaction-Id`; polled with `uuid` until 200, `Ais-Bucket-Summ` carrying the result).
import { StoreError, badRequest } from '../../errors/index.js';
import { asRecord, stringifyJson } from '../../util/json.js';
import {
  ContentType,
  flagOnValues,
  Header,
  Query,
  type BucketJson,
  type BucketSummaryRequestJson,
} from '../../wire/index.js';
import type { RequestContext } from '../common/request-context.js';
import type { BucketSummaryAnswer, BucketSummaryPort } from './ports.js';

const statusOf: Record<BucketSummaryAnswer['state'], number> = {
  running: 202,
  partial: 206,
  done: 200,
};

/** Job IDs as AIStore accepts them (`cos.IsValidUUID`: letters, digits, `-`, `_`). */
const validJobId = /^[A-Za-z0-9_-]{8,64}$/;

/** `GET` with `summary-bck`: the value is a BsummCtrlMsg. */
export async function sendSummaryAction(
  context: RequestContext,
  port: BucketSummaryPort | undefined,
  bucket: BucketJson,
  value: unknown,
): Promise<void> {
  context.operation = 'none';
  const request = parseSummaryRequest(value);
  const answer = await summarize(port, bucket, request);
  const res = context.res;
  if ((request.uuid ?? '') === '') {
    res.statusCode = 202;
    res.setHeader(Header.contentType, ContentType.text);
    res.setHeader(Header.contentLength, Buffer.byteLength(answer.jobId));
    res.end(answer.jobId);
    return;
  }
  const body = stringifyJson(answer.results);
  res.statusCode = statusOf[answer.state];
  res.setHeader(Header.contentType, ContentType.json);
  res.setHeader(Header.contentLength, Buffer.byteLength(body));
  res.end(body);
}

/**
 * `HEAD` with `bsumm_remote` (the caller set `Ais-Bucket-Props`); the path after the bucket is a
 * prefix. `bsumm_remote=true` also counts objects not in the cluster, of which ais buckets have none.
 */
export async function sendSummaryHead(
  context: RequestContext,
  port: BucketSummaryPort | undefined,
  bucket: BucketJson,
  prefix: string,
): Promise<void> {
  const uuid = context.query.get(Query.uuid) ?? '';
  if (uuid !== '' && !validJobId.test(uuid)) throw badRequest('summary-bck: invalid UUID');
  const cached = !flagOnValues.includes(context.query.get(Query.bucketSummary) ?? '');
  const answer = await summarize(port, bucket, { uuid, prefix, cached });
  const res = context.res;
  res.statusCode = statusOf[answer.state];
  res.setHeader(Header.jobId, answer.jobId);
  const summary = answer.results[0];
  if (summary !== undefined) res.setHeader(Header.bucketSummary, stringifyJson(summary));
  res.end();
}

async function summarize(
  port: BucketSummaryPort | undefined,
  bucket: BucketJson,
  request: BucketSummaryRequestJson,
): Promise<BucketSummaryAnswer> {
  if (port === undefined)
    throw new StoreError('NotImplemented', 'bucket summaries are served by gateways, not targets');
  return port.summarize(bucket, request);
}

const summaryFields: Record<string, 'string' | 'boolean'> = {
  uuid: 'string',
  prefix: 'string',
  cached: 'boolean',
  present: 'boolean',
  dont_add_remote: 'boolean',
  // Sent by older AIStore clients; summaries are always fast here.
  fast: 'boolean',
};

/** A BsummCtrlMsg, keys matched case-insensitively; unknown keys refused as AIStore refuses them. */
function parseSummaryRequest(value: unknown): BucketSummaryRequestJson {
  if (value === null || value === undefined) return {};
  const record = asRecord(value);
  if (record === undefined)
    throw badRequest('summary-bck: failed to unmarshal: expected an object');
  const request: Record<string, string | boolean> = {};
  for (const [key, item] of Object.entries(record)) {
    const name = key.toLowerCase();
    const type = Object.hasOwn(summaryFields, name) ? summaryFields[name] : undefined;
    if (type === undefined)
      throw badRequest(`summary-bck: failed to unmarshal: unknown field "${key}"`);
    if (item === null) continue;
    if (typeof item !== type)
      throw badRequest(`summary-bck: failed to unmarshal: "${key}" must be a ${type}`);
    request[name] = item as string | boolean;
  }
  const uuid = typeof request.uuid === 'string' ? request.uuid : '';
  if (uuid !== '' && !validJobId.test(uuid)) throw badRequest('summary-bck: invalid UUID');
  return {
    uuid,
    prefix: typeof request.prefix === 'string' ? request.prefix : '',
    cached: request.cached === true,
    present: request.present === true,
  };
}
