// S3 CORS: the bucket's rules (Put/Get/DeleteBucketCors), the answer to a preflight OPTIONS, and
// the Access-Control-* headers of actual requests that carry an Origin.
import type { ServerResponse } from 'node:http';
import { StoreError } from '../../../errors/index.js';
import type { S3CorsRuleJson } from '../../../wire/index.js';
import type { RequestContext } from '../../common/request-context.js';
import type { S3Handler } from '../request.js';
import { readXmlDocument, sendEmpty } from '../operations/xml-body.js';
import { childRecords, childText, sendXml, type XmlRecord } from '../xml/xml-codec.js';
import { wildcardMatch } from './policy-text.js';

const corsMethods = new Set(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);
/** S3's limit of rules in one configuration. */
const maxRules = 100;

/** The text of every child `name` (one or repeated). */
function texts(record: XmlRecord, name: string): string[] {
  const value = record[name];
  if (value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item) => {
    if (typeof item !== 'string') throw new StoreError('MalformedXML', `<${name}> must hold text`);
    return item;
  });
}

function parseRule(rule: XmlRecord): S3CorsRuleJson {
  const origins = texts(rule, 'AllowedOrigin');
  const methods = texts(rule, 'AllowedMethod');
  if (origins.length === 0 || methods.length === 0)
    throw new StoreError('MalformedXML', 'a CORSRule needs AllowedOrigin and AllowedMethod');
  for (const method of methods) {
    if (!corsMethods.has(method))
      throw new StoreError(
        'BadRequest',
        `Found unsupported HTTP method in CORS config. Unsupported method is ${method}`,
      );
  }
  for (const origin of origins) {
    if (origin.split('*').length > 2)
      throw new StoreError(
        'BadRequest',
        `AllowedOrigin "${origin}" can not have more than one wildcard.`,
      );
  }
  const id = childText(rule, 'ID');
  const maxAge = childText(rule, 'MaxAgeSeconds');
  if (maxAge !== undefined && !/^\d+$/.test(maxAge))
    throw new StoreError('MalformedXML', 'MaxAgeSeconds must be a whole number');
  return {
    ...(id === undefined ? {} : { id }),
    allowed_origins: origins,
    allowed_methods: methods,
    allowed_headers: texts(rule, 'AllowedHeader'),
    expose_headers: texts(rule, 'ExposeHeader'),
    ...(maxAge === undefined ? {} : { max_age_seconds: Number(maxAge) }),
  };
}

const putBucketCors: S3Handler = async (request) => {
  const access = request.ports.buckets.getAccess(request.bucket);
  const document = await readXmlDocument(request, 'CORSConfiguration');
  const rules = childRecords(document, 'CORSRule').map(parseRule);
  if (rules.length === 0 || rules.length > maxRules)
    throw new StoreError('MalformedXML', `CORSConfiguration must hold 1 to ${maxRules} rules`);
  await request.ports.buckets.setAccess(
    request.bucket,
    { ...access, cors: rules },
    request.context,
  );
  sendEmpty(request, 200);
};

const getBucketCors: S3Handler = (request) => {
  const rules = request.ports.buckets.getAccess(request.bucket).cors;
  if (rules === undefined) throw noCors();
  sendXml(request.context.res, 'CORSConfiguration', {
    CORSRule: rules.map((rule) => ({
      ID: rule.id,
      AllowedHeader: rule.allowed_headers,
      AllowedMethod: rule.allowed_methods,
      AllowedOrigin: rule.allowed_origins,
      ExposeHeader: rule.expose_headers,
      MaxAgeSeconds: rule.max_age_seconds,
    })),
  });
  return Promise.resolve();
};

function noCors(): StoreError {
  return new StoreError('NoSuchCORSConfiguration', 'The CORS configuration does not exist');
}

const deleteBucketCors: S3Handler = async (request) => {
  const access = { ...request.ports.buckets.getAccess(request.bucket) };
  delete access.cors;
  await request.ports.buckets.setAccess(request.bucket, access, request.context);
  sendEmpty(request, 204);
};

/** The first rule allowing `origin`, `method` and every header of `headers` (lower case). */
function matchingRule(
  rules: readonly S3CorsRuleJson[],
  origin: string,
  method: string,
  headers: readonly string[],
): S3CorsRuleJson | undefined {
  return rules.find(
    (rule) =>
      rule.allowed_origins.some((allowed) => wildcardMatch(allowed, origin, false)) &&
      rule.allowed_methods.includes(method) &&
      headers.every((name) =>
        rule.allowed_headers.some((allowed) => wildcardMatch(allowed, name, true)),
      ),
  );
}

function setAllowHeaders(res: ServerResponse, rule: S3CorsRuleJson, origin: string): void {
  const any = rule.allowed_origins.includes('*');
  res.setHeader('access-control-allow-origin', any ? '*' : origin);
  if (!any) res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-allow-methods', rule.allowed_methods.join(', '));
  if (rule.expose_headers.length > 0)
    res.setHeader('access-control-expose-headers', rule.expose_headers.join(', '));
  if (rule.max_age_seconds !== undefined)
    res.setHeader('access-control-max-age', String(rule.max_age_seconds));
}

const varyHeaders = 'Origin, Access-Control-Request-Headers, Access-Control-Request-Method';

/** A preflight: answered by the bucket's rules, with no authentication (browsers send none). */
const preflightCors: S3Handler = (request) => {
  const headers = request.context.req.headers;
  const origin = headers.origin;
  const method = headers['access-control-request-method'];
  if (typeof origin !== 'string' || typeof method !== 'string')
    throw new StoreError('BadRequest', 'Insufficient information. Origin request header needed.');
  const asked = headers['access-control-request-headers'];
  const names = (typeof asked === 'string' ? asked.split(',') : [])
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '');
  const rules = request.ports.buckets.getAccess(request.bucket).cors ?? [];
  const rule = matchingRule(rules, origin, method, names);
  if (rule === undefined)
    throw new StoreError(
      'CorsForbidden',
      "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.",
    );
  const res = request.context.res;
  setAllowHeaders(res, rule, origin);
  if (names.length > 0) res.setHeader('access-control-allow-headers', names.join(', '));
  res.setHeader('vary', varyHeaders);
  sendEmpty(request, 200);
  return Promise.resolve();
};

/** Access-Control-* headers for an actual request with an Origin a rule allows. */
export function setCorsHeaders(
  context: RequestContext,
  rules: readonly S3CorsRuleJson[] | undefined,
): void {
  const origin = context.req.headers.origin;
  if (typeof origin !== 'string' || rules === undefined) return;
  const rule = matchingRule(rules, origin, context.method, []);
  context.res.setHeader('vary', varyHeaders);
  if (rule !== undefined) setAllowHeaders(context.res, rule, origin);
}

export const corsHandlers = {
  PutBucketCors: putBucketCors,
  GetBucketCors: getBucketCors,
  DeleteBucketCors: deleteBucketCors,
  PreflightCors: preflightCors,
};
