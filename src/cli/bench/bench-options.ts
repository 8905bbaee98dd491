// `cairn bench` options: parsing sizes, size ranges, durations and workloads from the command line
// into one validated plan. Bad input throws UsageError (exit code 2) before any request is sent.
import { parseByteSize } from '../../util/bytes.js';
import { UsageError } from '../cli-errors.js';

/** Which protocol the load generator speaks. */
export type BenchApi = 'native' | 's3' | 'http';

/** One phase of a run: PUT only, GET only, or a mix of both. */
export type PhaseKind = 'put' | 'get' | 'mixed';

/** How object names are chosen: by increasing index, or uniformly at random. */
export type NameOrder = 'random' | 'sequential';

/** Object size: fixed when `minBytes === maxBytes`, else each name gets a size in the range. */
export interface SizeRange {
  minBytes: number;
  maxBytes: number;
}

/** S3 credentials and region for SigV4. */
export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

/** Everything a run needs, validated. */
export interface BenchPlan {
  api: BenchApi;
  endpoint: string;
  /** Bucket name without a provider prefix. */
  bucket: string;
  /** Native API only: `ais` unless the bucket argument said otherwise. */
  provider: string;
  phases: PhaseKind[];
  size: SizeRange;
  concurrency: number;
  /** Each phase ends after this long (unless another limit ends it first). */
  durationMs: number | undefined;
  /** Each phase ends once this many bytes were transferred. */
  totalBytes: number | undefined;
  /** Size of the name space; without a time or byte limit, a phase visits each name once. */
  objects: number | undefined;
  /** Mixed phases: the share of operations that are GETs, 0 to 100. */
  readPercent: number;
  names: NameOrder;
  prefix: string;
  verify: boolean;
  cleanup: boolean;
  json: boolean;
  quiet: boolean;
  /** A phase stops early once this many requests failed. */
  maxErrors: number;
  direct: boolean;
  timeoutMs: number;
  s3: S3Credentials | undefined;
}

/** What commander hands over (strings as typed, flags as booleans). */
export interface RawBenchOptions {
  s3?: boolean;
  api?: string;
  bucket: string;
  workload: string;
  size: string;
  concurrency: string;
  duration?: string;
  totalBytes?: string;
  objects?: string;
  readPercent: string;
  names: string;
  prefix: string;
  verify?: boolean;
  cleanup: boolean;
  json?: boolean;
  quiet?: boolean;
  maxErrors: string;
  accessKey?: string;
  secretKey?: string;
  region: string;
}

/** Global options inherited from the program. */
export interface BenchGlobals {
  endpoint: string;
  direct: boolean;
  timeout: number;
}

/** A phase with no limit given runs this long (so a bare `cairn bench` ends by itself). */
export const defaultDurationMs = 10_000;

/** Largest object size accepted: bodies are generated, never buffered whole, but be sane. */
export const maxObjectBytes = 64 * 1024 ** 3;

/** Validates commander's options into a plan. */
export function parseBenchOptions(raw: RawBenchOptions, globals: BenchGlobals): BenchPlan {
  const api = parseApi(raw);
  const { bucket, provider } = parseBucketOption(raw.bucket, api);
  const phases = parseWorkload(raw.workload);
  const objects = raw.objects === undefined ? undefined : parseCount(raw.objects, '--objects');
  const durationMs = raw.duration === undefined ? undefined : parseDuration(raw.duration);
  const totalBytes =
    raw.totalBytes === undefined ? undefined : parseSize(raw.totalBytes, '--total-bytes');
  const names = raw.names;
  if (names !== 'random' && names !== 'sequential') {
    throw new UsageError(`--names must be random or sequential, got "${names}"`);
  }
  // Plain HTTP servers cannot list: reading first needs the names, i.e. --objects.
  if (api === 'http' && phases[0] !== 'put' && objects === undefined) {
    throw new UsageError(
      '--api http cannot list objects: start with a put phase, or give --objects',
    );
  }
  return {
    api,
    endpoint: parseEndpoint(globals.endpoint),
    bucket,
    provider,
    phases,
    size: parseSizeRange(raw.size),
    concurrency: parseCount(raw.concurrency, '--concurrency'),
    // Without any limit a phase would never end: time-box it, unless --objects bounds it.
    durationMs:
      durationMs ??
      (totalBytes === undefined && objects === undefined ? defaultDurationMs : undefined),
    totalBytes,
    objects,
    readPercent: parsePercent(raw.readPercent),
    names,
    prefix: raw.prefix,
    verify: raw.verify === true,
    cleanup: raw.cleanup,
    json: raw.json === true,
    quiet: raw.quiet === true,
    maxErrors: parseCount(raw.maxErrors, '--max-errors'),
    direct: globals.direct,
    timeoutMs: globals.timeout * 1000,
    s3: api === 's3' ? parseCredentials(raw) : undefined,
  };
}

function parseApi(raw: RawBenchOptions): BenchApi {
  if (raw.s3 === true) {
    if (raw.api !== undefined && raw.api !== 's3') {
      throw new UsageError(`--s3 contradicts --api ${raw.api}`);
    }
    return 's3';
  }
  const api = raw.api ?? 'native';
  if (api !== 'native' && api !== 's3' && api !== 'http') {
    throw new UsageError(`--api must be native, s3 or http, got "${api}"`);
  }
  return api;
}

/** `ais://name` (native), `s3://name` (S3), or a bare name. */
export function parseBucketOption(
  text: string,
  api: BenchApi,
): { bucket: string; provider: string } {
  const match = /^(?:([a-z0-9]+):\/\/)?([A-Za-z0-9_.-]+)\/?$/.exec(text);
  const provider = match?.[1] ?? (api === 's3' ? 's3' : 'ais');
  const bucket = match?.[2];
  if (bucket === undefined || bucket === '.' || bucket === '..') {
    throw new UsageError(`invalid bucket "${text}" (expected a name, or ais://name)`);
  }
  if (api !== 'native' && match?.[1] !== undefined && provider !== 's3') {
    throw new UsageError(`--bucket ${text}: a provider prefix is only meaningful for --api native`);
  }
  return { bucket, provider };
}

/** `put,get` (the default), `put`, `get`, `mixed`, or any comma-separated sequence of them. */
export function parseWorkload(text: string): PhaseKind[] {
  const phases = text.split(',').map((item) => item.trim().toLowerCase());
  for (const phase of phases) {
    if (phase !== 'put' && phase !== 'get' && phase !== 'mixed') {
      throw new UsageError(`--workload: unknown phase "${phase}" (expected put, get or mixed)`);
    }
  }
  if (phases.length === 0 || phases.length > 8) {
    throw new UsageError('--workload needs one to eight phases, e.g. put,get');
  }
  return phases as PhaseKind[];
}

/** `4KiB` (fixed) or `4KiB-1MiB` (each object name gets a size in the inclusive range). */
export function parseSizeRange(text: string): SizeRange {
  const parts = text.split('-');
  if (parts.length > 2) throw new UsageError(`--size: expected SIZE or MIN-MAX, got "${text}"`);
  const minBytes = parseSize(parts[0] ?? '', '--size');
  const maxBytes = parts.length === 2 ? parseSize(parts[1] ?? '', '--size') : minBytes;
  if (maxBytes < minBytes) throw new UsageError(`--size: ${text} is an empty range`);
  if (maxBytes > maxObjectBytes) throw new UsageError(`--size: at most 64GiB per object`);
  return { minBytes, maxBytes };
}

function parseSize(text: string, option: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined || !Number.isSafeInteger(bytes)) {
    throw new UsageError(`${option}: expected a size such as 4KiB, 1MiB or 100, got "${text}"`);
  }
  return bytes;
}

const durationUnits: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** `500ms`, `5s`, `2m`, `1h`, or a bare number of seconds. */
export function parseDuration(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  const multiplier = durationUnits[match?.[2] ?? 's'];
  const milliseconds = Math.round(Number(match?.[1]) * (multiplier ?? Number.NaN));
  if (match === null || !Number.isSafeInteger(milliseconds) || milliseconds <= 0) {
    throw new UsageError(`--duration: expected e.g. 500ms, 5s, 2m or 1h, got "${text}"`);
  }
  return milliseconds;
}

function parseCount(text: string, option: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`${option}: expected a positive integer, got "${text}"`);
  }
  return value;
}

function parsePercent(text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new UsageError(`--read-percent: expected 0 to 100, got "${text}"`);
  }
  return value;
}

function parseEndpoint(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`invalid endpoint URL "${text}" (expected e.g. http://127.0.0.1:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`endpoint must be http:// or https://, got "${text}"`);
  }
  return url.origin;
}

/** Commander fills the keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY when not given. */
function parseCredentials(raw: RawBenchOptions): S3Credentials {
  const accessKeyId = raw.accessKey;
  const secretAccessKey = raw.secretKey;
  if (accessKeyId === undefined || secretAccessKey === undefined) {
    throw new UsageError(
      '--s3 needs credentials: --access-key and --secret-key (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)',
    );
  }
  return { accessKeyId, secretAccessKey, region: raw.region };
}
