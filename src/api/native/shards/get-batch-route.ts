// `GET /v1/ml/moss[/<bucket>]` (GetBatch): the MossReq body read and checked here (keys matched
// case-insensitively, as Go's decoder does; ranges by AIStore's rules), then served by the role:
// a gateway redirects to a designated target, which streams the archive.
import type { ArchiveFormat } from '../../../archive/index.js';
import { requireFormat } from '../../../archive/index.js';
import { StoreError, badRequest } from '../../../errors/index.js';
import { asRecord } from '../../../util/json.js';
import {
  normalizeProvider,
  parseObjectUname,
  Query,
  type BucketJson,
} from '../../../wire/index.js';
import { readJsonBody } from '../../common/body.js';
import type { RequestContext } from '../../common/request-context.js';
import { bucketFromRequest } from '../bucket-address.js';
import type { BatchPort } from '../ports.js';
import { checkQueryNames } from '../route-policy.js';

/** One item of a batch, resolved: its bucket, name, file inside, range, opaque bytes. */
export interface BatchItem {
  bucket: BucketJson;
  name: string;
  archpath: string;
  /** `length` -1: to the end; both 0: the whole object (or file). */
  start: number;
  length: number;
  opaque: Buffer | undefined;
}

export interface BatchRequest {
  items: BatchItem[];
  format: ArchiveFormat;
  continueOnError: boolean;
  onlyObjectName: boolean;
  streaming: boolean;
  colocation: number;
  /** The batch's ID from the gateway's redirect (`.../<xid>/<wid>/<nat>`), when it came that way. */
  xid?: string | undefined;
}

export async function handleBatchRequest(
  context: RequestContext,
  port: BatchPort | undefined,
  segments: readonly string[],
): Promise<void> {
  const [what, ...rest] = segments;
  if (what !== 'moss' || rest.length === 2 || rest.length > 4)
    throw badRequest(
      `unknown path ${context.path}: expecting /v1/ml/moss[/<bucket>][/<xid>/<wid>/<nat>]`,
    );
  // The gateway's redirect appends `<xid>/<wid>/<nat>` (AIStore's path to the designated target).
  const bucketName = rest.length === 1 || rest.length === 4 ? rest[0] : undefined;
  const xid = rest.length >= 3 ? rest[rest.length - 3] : undefined;
  if (context.method !== 'GET')
    throw new StoreError('MethodNotAllowed', `GetBatch: method ${context.method} is not allowed`);
  checkQueryNames(context);
  if (port === undefined) throw badRequest('GetBatch is not served by this node');
  const defaultBucket =
    bucketName === undefined || bucketName === ''
      ? undefined
      : bucketFromRequest(context, bucketName);
  await port.getBatch(
    parseBatchRequest(await readJsonBody(context), defaultBucket, context, xid),
    context,
  );
}

/**
 * The object `value` with its keys in lower case: itself when they are already (every item of a
 * usual request: no copy per item), else a copy (a later key wins over an earlier one that
 * lowers to the same, as before).
 */
function lowerCaseKeys(value: unknown, where: Where): Record<string, unknown> {
  const record = asRecord(value);
  if (record === undefined)
    throw badRequest(`${whereText(where)}: failed to unmarshal: expected an object`);
  for (const key in record) {
    // toLowerCase of a key already in lower case gives the same string, without a copy.
    if (key.toLowerCase() !== key)
      return Object.fromEntries(
        Object.entries(record).map(([name, item]) => [name.toLowerCase(), item]),
      );
  }
  return record;
}

/**
 * Where a value is, for a 400: the request, or the index of an item in `in` (its text made only
 * for an error: not a string per item of every batch, on the gateway and the designated target).
 */
type Where = string | number;

function whereText(where: Where): string {
  return typeof where === 'number' ? `GetBatch: in[${where}]` : where;
}

function typed<T>(
  record: Record<string, unknown>,
  key: string,
  type: string,
  where: Where,
): T | undefined {
  const value = record[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== type) throw badRequest(`${whereText(where)}: "${key}" must be a ${type}`);
  return value as T;
}

export function parseBatchRequest(
  body: unknown,
  defaultBucket: BucketJson | undefined,
  context: RequestContext,
  xid?: string,
): BatchRequest {
  const where = 'GetBatch';
  const record = lowerCaseKeys(body ?? {}, where);
  const items = record.in;
  if (!Array.isArray(items) || items.length === 0)
    throw badRequest(`${where}: empty request ("in" lists no objects)`);
  const mime = typed<string>(record, 'mime', 'string', where) ?? '';
  // 0 none, 1 the items are on few targets, 2 also many files of the same shards (uint8 there).
  const colocation =
    typed<number>(record, 'coloc', 'number', where) ??
    Number(context.query.get(Query.colocation) ?? 0);
  if (!Number.isInteger(colocation) || colocation < 0 || colocation > 2)
    throw badRequest(`${where}: invalid coloc ${colocation} (expecting 0, 1 or 2)`);
  return {
    items: items.map((item, index) => parseItem(item, index, defaultBucket)),
    format: mime === '' ? '.tar' : requireFormat(mime),
    continueOnError: typed<boolean>(record, 'coer', 'boolean', where) ?? false,
    onlyObjectName: typed<boolean>(record, 'onob', 'boolean', where) ?? false,
    streaming: typed<boolean>(record, 'strm', 'boolean', where) ?? false,
    colocation,
    // Always present, in one literal: a copy spread with it made a second shape of the request.
    xid,
  };
}

function parseItem(
  value: unknown,
  index: number,
  defaultBucket: BucketJson | undefined,
): BatchItem {
  const where = index;
  const record = lowerCaseKeys(value, where);
  const uname = typed<string>(record, 'uname', 'string', where) ?? '';
  let bucket: BucketJson | undefined = defaultBucket;
  let name = typed<string>(record, 'objname', 'string', where) ?? '';
  if (uname !== '') {
    const parsed = parseObjectUname(uname);
    if (typeof parsed === 'string')
      throw badRequest(`${whereText(where)}: invalid uname "${uname}": ${parsed}`);
    bucket = parsed.bucket;
    name = parsed.objectName;
  } else {
    const bucketName = typed<string>(record, 'bucket', 'string', where) ?? '';
    const providerText = typed<string>(record, 'provider', 'string', where) ?? '';
    if (bucketName !== '' || providerText !== '') {
      const provider = normalizeProvider(
        providerText === '' ? (bucket?.provider ?? 'ais') : providerText,
      );
      if (provider === undefined)
        throw badRequest(`${whereText(where)}: invalid provider "${providerText}"`);
      bucket = { name: bucketName === '' ? (bucket?.name ?? '') : bucketName, provider };
    }
  }
  if (bucket === undefined || bucket.name === '')
    throw badRequest(`${whereText(where)}: missing bucket`);
  if (name === '') throw badRequest(`${whereText(where)}: missing object name`);
  const start = typed<number>(record, 'start', 'number', where) ?? 0;
  const length = typed<number>(record, 'length', 'number', where) ?? 0;
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(length) || start < 0 || length < -1)
    throw badRequest(`${whereText(where)}: invalid range (start ${start}, length ${length})`);
  if (start !== 0 && length === 0)
    throw badRequest(`${whereText(where)}: invalid range: start ${start} with zero length`);
  // Line breaks are skipped, as Go's decoder does (Python's `encodebytes` wraps at 76); anything
  // else that is not base64 is a 400 as in Go, where Node's decoder would skip it silently.
  const opaqueText = typed<string>(record, 'opaque', 'string', where)?.replace(/[\r\n]/g, '');
  if (opaqueText !== undefined && !isBase64(opaqueText))
    throw badRequest(`${whereText(where)}: invalid opaque: not base64`);
  return {
    bucket,
    name,
    archpath: typed<string>(record, 'archpath', 'string', where) ?? '',
    start,
    length,
    // Go decodes []byte as standard base64, Python sends URL-safe: Node's decoder takes both.
    opaque: opaqueText === undefined ? undefined : Buffer.from(opaqueText, 'base64'),
  };
}

/** Base64 in the standard or the URL-safe alphabet, padded or not (a length of 4n+1 is neither). */
function isBase64(text: string): boolean {
  return (
    /^[A-Za-z0-9+/_-]*={0,2}$/.test(text) &&
    text.replace(/=+$/, '').length % 4 !== 1 &&
    (!text.endsWith('=') || text.length % 4 === 0)
  );
}
