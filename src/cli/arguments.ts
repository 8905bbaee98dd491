// Parsing of command arguments: AIStore-style bucket/object URIs (`ais://bucket[/object]`, or a
// bare `bucket[/object]`), counts and sizes. Bad input throws UsageError (exit code 2).
import { InvalidArgumentError } from 'commander';
import { bucketDisplayName, parseBucketUri, type BucketJson } from '../sdk/index.js';
import { bucketNameProblem, dotSegmentIn } from '../wire/index.js';
import { parseRangeTemplate } from '../util/range-template.js';
import { UsageError } from './cli-errors.js';

/** A parsed `ais://bucket[/object]` argument. */
export interface BucketObjectArgument {
  bucket: BucketJson;
  /** Empty when the argument names only the bucket. */
  objectName: string;
}

/**
 * Parses a bucket URI with an optional object part (or listing prefix, where any text goes). The
 * bucket name is checked by AIStore's rules, with AIStore's wording.
 */
export function parseBucketObject(text: string): BucketObjectArgument {
  const parsed = parseBucketUri(text);
  if (parsed === undefined) {
    throw new UsageError(`invalid bucket URI "${text}" (expected ais://bucket[/object])`);
  }
  const problem = bucketNameProblem(parsed.bucket.name);
  if (problem !== undefined) throw new UsageError(`invalid bucket in "${text}": ${problem}`);
  return parsed;
}

/** Parses a URI that must name only a bucket. */
export function parseBucket(text: string): BucketJson {
  const { bucket, objectName } = parseBucketObject(text);
  if (objectName !== '') {
    throw new UsageError(`"${text}" names an object; expected a bucket (ais://bucket)`);
  }
  return bucket;
}

/** Parses a URI that must name an object. */
export function parseObject(text: string): { bucket: BucketJson; objectName: string } {
  const parsed = parseObjectDestination(text);
  if (parsed.objectName === '' || parsed.objectName.endsWith('/')) {
    const display = bucketDisplayName(parsed.bucket);
    throw new UsageError(`"${text}" does not name an object (expected ${display}/object)`);
  }
  return parsed;
}

/**
 * Parses where objects go: a bucket with an optional object name or name prefix. A `.` or `..`
 * segment is refused: URL handling would resolve it away, so the request would reach another
 * object than the one named (or no object at all: `ais://b/../../etc` is `/v1/etc`).
 */
export function parseObjectDestination(text: string): BucketObjectArgument {
  const parsed = parseBucketObject(text);
  const dots = dotSegmentIn(parsed.objectName);
  if (dots !== undefined) {
    throw new UsageError(
      `invalid object name "${parsed.objectName}" in "${text}": "${dots}" path segments are not allowed (a URL would resolve them away and address another object)`,
    );
  }
  return parsed;
}

/** Commander argument parser for a positive integer option. */
export function positiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return value;
}

/** Commander argument parser for an integer option (may be 0 or negative, e.g. `-1`). */
export function integerArgument(text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(value)) {
    throw new InvalidArgumentError('expected an integer');
  }
  return value;
}

/** Commander argument parser for a port number. */
export function portNumber(text: string): number {
  const value = positiveInteger(text);
  if (value > 65535) throw new InvalidArgumentError('expected a port number (1-65535)');
  return value;
}

/**
 * A multi-object job's selection from exactly one of `--list` (comma-separated names) and
 * `--template` (a range), and how many objects it names (for a progress bar).
 */
export function listOrTemplate(
  options: { list?: string; template?: string },
  verb: string,
): { selection: { objnames: string[] } | { template: string }; total: number } {
  if ((options.list === undefined) === (options.template === undefined)) {
    throw new UsageError(`give the objects to ${verb} with either --list or --template`);
  }
  if (options.list !== undefined) {
    const objnames = options.list.split(',').filter((name) => name !== '');
    if (objnames.length === 0) throw new UsageError('--list names no object');
    return { selection: { objnames }, total: objnames.length };
  }
  const template = options.template ?? '';
  let parsed;
  try {
    parsed = parseRangeTemplate(template);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed === undefined) {
    throw new UsageError(`--template "${template}" holds no range ({a..b}, @N or %0Nd)`);
  }
  return { selection: { template }, total: parsed.count };
}
