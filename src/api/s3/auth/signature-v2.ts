// AWS Signature Version 2 primitives: the string to sign (method, Content-MD5, Content-Type, the
// Date or a presigned URL's Expires, the `x-amz-*` headers, the resource with its sub-resources)
// and its HMAC-SHA1, base64, compared in constant time.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { StoreError } from '../../../errors/index.js';

/** The sub-resources MinIO signs (its cmd/signature-v2.go). */
const minioSubresources: ReadonlySet<string> = new Set([
  'acl',
  'cors',
  'delete',
  'encryption',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'retention',
  'select',
  'select-type',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/**
 * The sub-resources botocore (aws cli v1, boto3) signs. It leaves out `encryption`, `retention` and
 * `legal-hold`, and signs `object-lock`, `restore` and others MinIO does not.
 */
const botocoreSubresources: ReadonlySet<string> = new Set([
  'accelerate',
  'acl',
  'analytics',
  'cors',
  'defaultObjectAcl',
  'delete',
  'inventory',
  'lifecycle',
  'location',
  'logging',
  'metrics',
  'notification',
  'object-lock',
  'partNumber',
  'policy',
  'replication',
  'requestPayment',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
  'response-content-language',
  'response-content-type',
  'response-expires',
  'restore',
  'select',
  'select-type',
  'storageClass',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/** The sub-resources s3cmd signs (its sign_request_v2): neither `tagging` nor the response overrides. */
const s3cmdSubresources: ReadonlySet<string> = new Set([
  'acl',
  'cors',
  'delete',
  'lifecycle',
  'location',
  'logging',
  'notification',
  'partNumber',
  'policy',
  'requestPayment',
  'restore',
  'torrent',
  'uploadId',
  'uploads',
  'versionId',
  'versioning',
  'versions',
  'website',
]);

/**
 * Each client signs the sub-resources of its own list: a request is checked against every list that
 * picks a different set from its query, so any of these clients' signatures is accepted.
 */
const subresourceLists = [minioSubresources, botocoreSubresources, s3cmdSubresources];

/** A query parameter, name and value percent-decoded (`+` stays `+`, as botocore signs it). */
export type QueryParameter = readonly [name: string, value: string];

/** The parameters of a raw query string (`?` included or not), in the order sent. */
export function decodeQuery(rawSearch: string): QueryParameter[] {
  const text = rawSearch.startsWith('?') ? rawSearch.slice(1) : rawSearch;
  const parameters: QueryParameter[] = [];
  for (const part of text.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    const value = equals < 0 ? '' : part.slice(equals + 1);
    try {
      parameters.push([decodeURIComponent(name), decodeURIComponent(value)]);
    } catch {
      throw new StoreError('InvalidArgument', `malformed percent-encoding in query "${part}"`);
    }
  }
  return parameters;
}

/** `name:value\n` for each `x-amz-*` header, names lower case and sorted, repeats joined by `,`. */
export function canonicalAmzHeaders(req: IncomingMessage): string {
  const values = new Map<string, string>();
  const raw = req.rawHeaders;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = (raw[index] as string).toLowerCase();
    if (!name.startsWith('x-amz-')) continue;
    const value = (raw[index + 1] as string).trim();
    const earlier = values.get(name);
    values.set(name, earlier === undefined ? value : `${earlier},${value}`);
  }
  let text = '';
  for (const name of [...values.keys()].sort()) text += `${name}:${values.get(name) ?? ''}\n`;
  return text;
}

/** The resource path, then `?name[=value]&...` for the query's sub-resources in `names`, sorted. */
function canonicalResource(
  resourcePath: string,
  query: readonly QueryParameter[],
  names: ReadonlySet<string>,
): string {
  const signed = query
    .filter(([name]) => names.has(name))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => (value === '' ? name : `${name}=${value}`));
  return signed.length === 0 ? resourcePath : `${resourcePath}?${signed.join('&')}`;
}

export interface StringToSignParts {
  method: string;
  /** The path as sent, with `/<bucket>` in front when the bucket is in the Host. */
  resourcePath: string;
  /** The query without the presigned URL's own parameters. */
  query: readonly QueryParameter[];
  /** The Date header's value (empty when `x-amz-date` is sent), or a presigned URL's Expires. */
  date: string;
}

/**
 * The strings a client may have signed for this request: one, or one per sub-resource list that
 * picks different parameters from the query.
 */
export function stringsToSign(req: IncomingMessage, parts: StringToSignParts): string[] {
  const header = (name: string): string => {
    const value = req.headers[name];
    return typeof value === 'string' ? value.trim() : '';
  };
  const head = `${parts.method}\n${header('content-md5')}\n${header('content-type')}\n${parts.date}\n${canonicalAmzHeaders(req)}`;
  const resources = new Set(
    subresourceLists.map((names) => canonicalResource(parts.resourcePath, parts.query, names)),
  );
  return [...resources].map((resource) => head + resource);
}

/** True when the base64 `signature` signs one of `texts` with `secretKey`; constant time each. */
export function signatureV2Matches(
  secretKey: string,
  texts: readonly string[],
  signature: string,
): boolean {
  // Compared as bytes: base64 texts that decode alike are the same signature.
  const given = Buffer.from(signature, 'base64');
  let matched = false;
  for (const text of texts) {
    const expected = createHmac('sha1', secretKey).update(text, 'utf8').digest();
    if (given.length === expected.length && timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}
