// A downloader start body (`POST /v1/download`, AIStore's `dload.Body`) checked and normalized:
// the destination bucket, what to download (one link, a map of names to links, a URL range
// template, or a remote bucket's objects), per-object timeout, limits and origin headers. The
// gateway checks it before starting anything; each target reads the same body again. Mistakes
// are 400s with AIStore's words.
import { parseGoDuration } from '../../../config/index.js';
import { badRequest, notImplemented } from '../../../errors/index.js';
import { parseRangeTemplate, type RangeTemplate } from '../../../util/range-template.js';
import { asRecord } from '../../../util/json.js';
import {
  dotSegmentIn,
  parseBucketJson,
  type BucketJson,
  type DownloadType,
} from '../../../wire/index.js';
import { maxTemplateNames } from '../../object-selection.js';

const where = 'download';

export interface DownloadLimits {
  /** Concurrent downloads per target (0: the config's `downloader.workers`). */
  connections: number;
  /** Bytes per hour for the whole job, shared by the targets (0: unlimited). */
  bytesPerHour: number;
}

/** What a download job fetches: `objects` (name → link, '' for the bucket's own backend), a range, or a backend listing. */
export type DownloadSource =
  | { kind: 'objects'; objects: ReadonlyMap<string, string> }
  | { kind: 'range'; template: RangeTemplate; subdir: string }
  | { kind: 'backend'; prefix: string; suffix: string; synchronize: boolean };

export interface DownloadSpec {
  type: DownloadType;
  bucket: BucketJson;
  description: string;
  /** Per object; undefined: the config's `downloader.timeout_ms`. */
  timeoutMs: number | undefined;
  limits: DownloadLimits;
  /** Sent to the origin with every GET. */
  headers: Record<string, string[]>;
  source: DownloadSource;
}

const types: readonly DownloadType[] = ['single', 'range', 'multi', 'backend'];

/** Checks a start body; throws 400 (501 for what is not built) naming the mistake. */
export function parseDownloadBody(body: unknown): DownloadSpec {
  const record = asRecord(body);
  if (record === undefined) throw badRequest(`${where}: expected a JSON object`);
  const fields = new Map(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
  const type = fields.get('type');
  if (type === undefined || type === null || type === '')
    throw badRequest(`${where}: 'type' field is empty`);
  if (typeof type !== 'string' || !types.includes(type as DownloadType))
    throw badRequest(
      `${where}: input does not match any of the supported formats (single, range, multi, backend)`,
    );
  const etlName = optionalString(fields, 'etl_name');
  if (etlName !== '') throw notImplemented(`${where} through an ETL ("etl_name")`);
  const bucket = parseBucketJson(fields.get('bucket'));
  if (typeof bucket === 'string') throw badRequest(`${where}: missing 'bucket.name' (${bucket})`);
  const timeout = optionalString(fields, 'timeout');
  const progressInterval = optionalString(fields, 'progress_interval');
  if (progressInterval !== '') parseGoDuration(progressInterval, `${where}: progress_interval`);
  const source = parseSource(type as DownloadType, fields);
  return {
    type: type as DownloadType,
    bucket,
    description: optionalString(fields, 'description'),
    timeoutMs: timeout === '' ? undefined : positiveDuration(timeout),
    limits: parseLimits(fields.get('limits')),
    headers: parseHeaders(fields.get('headers')),
    source,
  };
}

/** AIStore's description when the body gives none (lists match `regex` against it). */
export function describeDownload(spec: DownloadSpec, body: unknown): string {
  if (spec.description !== '') return spec.description;
  const fields = asRecord(body) ?? {};
  const bucket = `${spec.bucket.provider}://${spec.bucket.name}`;
  switch (spec.source.kind) {
    case 'objects': {
      if (spec.type === 'multi') return `multi-download -> ${bucket}`;
      const [[name, link] = ['', '']] = spec.source.objects;
      return `${link === '' ? 'remote' : link} -> ${bucket}/${name}`;
    }
    case 'range':
      return `${String(fields.template)} -> ${bucket}`;
    case 'backend':
      return `remote bucket prefetch -> ${bucket}`;
  }
}

function parseSource(type: DownloadType, fields: Map<string, unknown>): DownloadSource {
  switch (type) {
    case 'single': {
      const link = optionalString(fields, 'link');
      const fromRemote = optionalBoolean(fields, 'from_remote');
      if (link === '' && !fromRemote)
        throw badRequest(`${where}: missing 'link' in the request body`);
      let name = optionalString(fields, 'object_name');
      if (name === '') name = baseName(link);
      if (name === '')
        throw badRequest(
          `${where}: can not extract a valid 'object_name' from the provided download 'link'`,
        );
      return objectsOf([[name, link === '' ? '' : checkedLink(link)]]);
    }
    case 'multi':
      return objectsOf(parseMulti(fields.get('objects')));
    case 'range': {
      const text = optionalString(fields, 'template');
      if (text === '') throw badRequest(`${where}: missing 'template' in the request body`);
      const subdir = optionalString(fields, 'subdir');
      if (dotSegmentIn(subdir) !== undefined)
        throw badRequest(`${where}: 'subdir' "${subdir}" has a "." or ".." segment`);
      let template: RangeTemplate | undefined;
      try {
        template = parseRangeTemplate(text);
      } catch (error) {
        throw badRequest(`${where}: ${(error as Error).message}`);
      }
      if (template === undefined)
        throw badRequest(
          `${where}: template "${text}" has no range (expecting e.g. 'https://host/shard-{0001..0100}.tar')`,
        );
      if (template.count > maxTemplateNames)
        throw badRequest(
          `${where}: template "${text}" expands to ${template.count} links (limit ${maxTemplateNames})`,
        );
      checkedLink(template.parts.join('0'));
      return { kind: 'range', template, subdir };
    }
    case 'backend':
      return {
        kind: 'backend',
        prefix: optionalString(fields, 'prefix'),
        suffix: optionalString(fields, 'suffix'),
        synchronize: optionalBoolean(fields, 'synchronize'),
      };
  }
}

/** `objects`: an array of links (named by their base names) or a map of names to links. */
function parseMulti(value: unknown): Array<[string, string]> {
  if (value === undefined || value === null)
    throw badRequest(`${where}: body should not be empty ('objects')`);
  if (Array.isArray(value)) {
    return value.map((link: unknown) => {
      if (typeof link !== 'string')
        throw badRequest(`${where}: expected download link to be a string, got: ${typeof link}`);
      const name = baseName(link);
      if (name === '')
        throw badRequest(`${where}: failed to extract object name from the download "${link}"`);
      return [name, checkedLink(link)];
    });
  }
  const record = asRecord(value);
  if (record === undefined)
    throw badRequest(
      `${where}: JSON body should be map (string -> string) or array of strings ('objects')`,
    );
  return Object.entries(record).map(([name, link]) => {
    if (typeof link !== 'string')
      throw badRequest(`${where}: values in map should be strings, found: ${typeof link}`);
    return [name, checkedLink(link)];
  });
}

function objectsOf(entries: Array<[string, string]>): DownloadSource {
  if (entries.length === 0) throw badRequest(`${where}: body should not be empty ('objects')`);
  const objects = new Map<string, string>();
  for (const [name, link] of entries) objects.set(checkedName(normalizeObjectName(name)), link);
  return { kind: 'objects', objects };
}

/**
 * An object name as AIStore makes it from a name or link: no query or fragment (`a.bin?x=1` is
 * `a.bin`), percent-escapes decoded.
 */
export function normalizeObjectName(name: string): string {
  const path = name.split(/[?#]/, 1)[0] ?? '';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** The object name of a link: its last path segment (before any query), '' when none. */
export function baseName(link: string): string {
  const path = link.split(/[?#]/, 1)[0] ?? '';
  const last = path.replace(/\/+$/, '').split('/').pop() ?? '';
  return last === '.' || last.includes(':') ? '' : last;
}

/** A name that can be an object's: not empty, no `.`/`..` segment. */
export function checkedName(name: string): string {
  if (name === '') throw badRequest(`${where}: empty object name`);
  const dots = dotSegmentIn(name);
  if (dots !== undefined)
    throw badRequest(`${where}: object name "${name}" has a "${dots}" path segment`);
  return name;
}

/** An http(s) URL (AIStore prepends `http://` to a link without a scheme). */
export function checkedLink(link: string): string {
  const full = /^[a-z][a-z0-9+.-]*:\/\//i.test(link) ? link : `http://${link}`;
  let url: URL;
  try {
    url = new URL(full);
  } catch {
    throw badRequest(`${where}: invalid link "${link}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw badRequest(`${where}: unsupported link "${link}" (only http:// and https://)`);
  return full;
}

function parseLimits(value: unknown): DownloadLimits {
  if (value === undefined || value === null) return { connections: 0, bytesPerHour: 0 };
  const record = asRecord(value);
  if (record === undefined) throw badRequest(`${where}: 'limits' must be a JSON object`);
  const limit = (key: string): number => {
    const item = record[key] ?? 0;
    if (typeof item !== 'number' || !Number.isSafeInteger(item))
      throw badRequest(`${where}: 'limit.${key}' must be an integer`);
    if (item < 0) throw badRequest(`${where}: 'limit.${key}' must be non-negative (got: ${item})`);
    return item;
  };
  return { connections: limit('connections'), bytesPerHour: limit('bytes_per_hour') };
}

/** Go's `http.Header`: each name to a list of values (a single string is taken too). */
function parseHeaders(value: unknown): Record<string, string[]> {
  if (value === undefined || value === null) return {};
  const record = asRecord(value);
  if (record === undefined) throw badRequest(`${where}: 'headers' must be a JSON object`);
  return Object.fromEntries(
    Object.entries(record).map(([name, values]) => {
      const list = typeof values === 'string' ? [values] : values;
      if (!Array.isArray(list) || !list.every((item) => typeof item === 'string'))
        throw badRequest(`${where}: header "${name}" must be a list of strings`);
      return [name, list];
    }),
  );
}

function positiveDuration(text: string): number {
  const milliseconds = parseGoDuration(text, `${where}: failed to parse timeout field`);
  if (milliseconds <= 0) throw badRequest(`${where}: 'timeout' must be positive (got "${text}")`);
  return milliseconds;
}

function optionalString(fields: Map<string, unknown>, key: string): string {
  const value = fields.get(key);
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badRequest(`${where}: '${key}' must be a string`);
  return value;
}

function optionalBoolean(fields: Map<string, unknown>, key: string): boolean {
  const value = fields.get(key);
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw badRequest(`${where}: '${key}' must be true or false`);
  return value;
}
