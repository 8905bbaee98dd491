// The dSort RequestSpec (AIStore's `ext/dsort/request_spec.go`), parsed and checked once: keys are
// matched case-insensitively (as Go's decoder does), every mistake is a 400 naming the key, and
// what follows from the rules (extensions from template suffixes, default output bucket,
// `ekm_file_sep` or the Python SDK's `ekm_sep`) is settled here so that every node reads the same.
import { freemem, totalmem } from 'node:os';
import { formatFromName, normalizeFormat, type ArchiveFormat } from '../archive/index.js';
import { badRequest } from '../errors/index.js';
import { parseListRange } from '../jobs/index.js';
import { validateObjectName } from '../storage/layout/index.js';
import { parseByteSize } from '../util/bytes.js';
import { asRecord } from '../util/json.js';
import { normalizeProvider, type BucketJson, type ListRangeJson } from '../wire/index.js';
import { parseOutputTemplate } from './output-names.js';

export const algorithmKinds = ['alphanumeric', 'md5', 'shuffle', 'content', 'none'] as const;
export type AlgorithmKind = (typeof algorithmKinds)[number];
export const contentKeyTypes = ['int', 'string', 'float'] as const;
export type ContentKeyType = (typeof contentKeyTypes)[number];
/** What to do about an irregularity (AIStore's reactions). */
export const reactions = ['ignore', 'warn', 'abort'] as const;
export type Reaction = (typeof reactions)[number];

export interface Algorithm {
  kind: AlgorithmKind;
  decreasing: boolean;
  /** `shuffle`: the seed ('' = a random one). */
  seed: string;
  /** `content`: the extension of the file holding the key, and how to read it. */
  extension: string;
  contentKeyType: ContentKeyType;
}

export interface DsortSpec {
  inputBucket: BucketJson;
  outputBucket: BucketJson;
  input: ListRangeJson;
  /** Undefined: each input shard's own name (or bytes) says. */
  inputExtension: ArchiveFormat | undefined;
  outputExtension: ArchiveFormat;
  /** The output template ('' with an external key map). */
  outputFormat: string;
  /** 0: none given (the template's count then divides the records). */
  outputShardSize: number;
  algorithm: Algorithm;
  ekmFile: string;
  ekmSeparator: string;
  description: string;
  /** As given: a percentage of the machine's memory or a size. */
  maxMemUsage: string;
  extractConcurrency: number;
  createConcurrency: number;
  dryRun: boolean;
  duplicatedRecords: Reaction;
  missingShards: Reaction;
  ekmMalformedLine: Reaction;
  ekmMissingKey: Reaction;
}

/** Defaults (AIStore's `dsort` config section). */
const defaults = {
  maxMemUsage: '80%',
  concurrency: 4,
  duplicatedRecords: 'ignore',
  missingShards: 'ignore',
  ekmMalformedLine: 'abort',
  ekmMissingKey: 'abort',
} as const;

const dsorterTypes = ['', 'dsort_general', 'dsort_mem'];

type Fields = Record<string, unknown>;

function lowerKeys(value: unknown, where: string): Fields {
  if (value === undefined || value === null) return {};
  const record = asRecord(value);
  if (record === undefined) throw badRequest(`[dsort] parse-spec: "${where}" must be an object`);
  return Object.fromEntries(Object.entries(record).map(([key, item]) => [key.toLowerCase(), item]));
}

function text(fields: Fields, key: string): string {
  const value = fields[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badRequest(`[dsort] parse-spec: "${key}" must be a string`);
  return value.trim();
}

function flag(fields: Fields, key: string): boolean {
  const value = fields[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean')
    throw badRequest(`[dsort] parse-spec: "${key}" must be a boolean`);
  return value;
}

function count(fields: Fields, key: string): number {
  const value = fields[key];
  if (value === undefined || value === null || value === 0) return defaults.concurrency;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw badRequest(`[dsort] parse-spec: "${key}" must be a non-negative integer`);
  return value;
}

function bucket(value: unknown, key: string): BucketJson | undefined {
  const fields = lowerKeys(value, key);
  const name = text(fields, 'name');
  if (name === '') return undefined;
  const provider = normalizeProvider(text(fields, 'provider') || 'ais');
  if (provider === undefined)
    throw badRequest(
      `[dsort] parse-spec: "${key}": invalid provider "${text(fields, 'provider')}"`,
    );
  return { name, provider };
}

function reaction(fields: Fields, key: string, fallback: Reaction): Reaction {
  const value = text(fields, key);
  if (value === '') return fallback;
  const found = reactions.find((known) => known === value);
  if (found === undefined)
    throw badRequest(`[dsort] parse-spec: "${key}" must be one of ${reactions.join(', ')}`);
  return found;
}

function extension(value: string, key: string): ArchiveFormat | undefined {
  if (value === '') return undefined;
  const format = normalizeFormat(value);
  if (format === undefined)
    throw badRequest(
      `[dsort] parse-spec: "${key}": unsupported extension "${value}" (expecting .tar, .tgz, .tar.gz, .zip, .tar.lz4)`,
    );
  return format;
}

/** The extension a template's suffix names, which a given one must agree with. */
function agreeingExtension(
  template: string,
  given: string,
  key: string,
): ArchiveFormat | undefined {
  const fromTemplate = formatFromName(template);
  const stated = extension(given, key);
  if (fromTemplate !== undefined && stated !== undefined && !sameFormat(fromTemplate, stated))
    throw badRequest(`[dsort] parse-spec: ${key}: "${given}" vs "${fromTemplate}" of the template`);
  return stated ?? fromTemplate;
}

export function sameFormat(a: ArchiveFormat, b: ArchiveFormat): boolean {
  const gzip = (format: ArchiveFormat): string => (format === '.tar.gz' ? '.tgz' : format);
  return gzip(a) === gzip(b);
}

function parseAlgorithm(value: unknown): Algorithm {
  const fields = lowerKeys(value, 'algorithm');
  const kindText = text(fields, 'kind') || 'alphanumeric';
  const kind = algorithmKinds.find((known) => known === kindText);
  if (kind === undefined)
    throw badRequest(
      `[dsort] parse-spec: "algorithm": invalid kind "${kindText}" (expecting one of ${algorithmKinds.join(', ')})`,
    );
  const seed = text(fields, 'seed');
  if (seed !== '' && !/^\d{1,18}$/.test(seed))
    throw badRequest(
      `[dsort] parse-spec: "algorithm": seed "${seed}" must be a non-negative integer`,
    );
  const algorithm: Algorithm = {
    kind,
    decreasing: flag(fields, 'decreasing'),
    seed,
    extension: text(fields, 'extension'),
    contentKeyType: 'string',
  };
  if (kind !== 'content') return algorithm;
  if (!algorithm.extension.startsWith('.'))
    throw badRequest(
      `[dsort] parse-spec: "algorithm": content needs an "extension" with a leading dot (got "${algorithm.extension}")`,
    );
  const typeText = text(fields, 'content_key_type');
  const type = contentKeyTypes.find((known) => known === typeText);
  if (type === undefined)
    throw badRequest(
      `[dsort] parse-spec: "algorithm": "content_key_type" must be one of ${contentKeyTypes.join(', ')}`,
    );
  return { ...algorithm, contentKeyType: type };
}

function parseInput(value: unknown): ListRangeJson {
  const fields = lowerKeys(value, 'input_format');
  if (fields.objnames === undefined && fields.template === undefined) return { template: '' };
  try {
    return parseListRange(fields);
  } catch (error) {
    throw badRequest(`[dsort] parse-spec: "input_format": ${(error as Error).message}`);
  }
}

/** Validates a RequestSpec; 400 with the offending key otherwise. */
export function parseRequestSpec(value: unknown): DsortSpec {
  const fields = lowerKeys(value, 'spec');
  if (asRecord(value) === undefined) throw badRequest('[dsort] parse-spec: expected a JSON object');
  const inputBucket = bucket(fields.input_bck, 'input_bck');
  if (inputBucket === undefined)
    throw badRequest('[dsort] parse-spec: "input_bck": missing input bucket');
  const outputBucket = bucket(fields.output_bck, 'output_bck') ?? inputBucket;
  const input = parseInput(fields.input_format);
  const inputExtension = agreeingExtension(
    input.template ?? '',
    text(fields, 'input_extension'),
    'input_extension',
  );
  const sizeText = text(fields, 'output_shard_size');
  const outputShardSize = sizeText === '' ? 0 : parseByteSize(sizeText);
  if (outputShardSize === undefined)
    throw badRequest(`[dsort] parse-spec: "output_shard_size": invalid size "${sizeText}"`);
  const ekmFile = text(fields, 'ekm_file');
  const outputFormat = text(fields, 'output_format');
  if (ekmFile === '') checkOutputTemplate(outputFormat, outputShardSize);
  else {
    if (!/^(https?:\/\/|ais:\/\/)/.test(ekmFile))
      throw badRequest(
        `[dsort] parse-spec: "ekm_file": "${ekmFile}" is not an http(s):// or ais:// URL`,
      );
    if (outputShardSize === 0)
      throw badRequest(
        '[dsort] parse-spec: "output_shard_size" is required with an external key map',
      );
  }
  const outputExtension =
    agreeingExtension(outputFormat, text(fields, 'output_extension'), 'output_extension') ??
    inputExtension;
  if (outputExtension === undefined)
    throw badRequest(
      '[dsort] parse-spec: "output_extension": cannot tell the output format (give output_extension or an input/output template ending in one)',
    );
  const maxMemUsage = text(fields, 'max_mem_usage') || defaults.maxMemUsage;
  memoryBudget(maxMemUsage);
  if (!dsorterTypes.includes(text(fields, 'dsorter_type')))
    throw badRequest(`[dsort] parse-spec: "dsorter_type" must be dsort_general or dsort_mem`);
  // DsortConf: untagged in Go (`Config`), and its keys also accepted at the top.
  const config = { ...fields, ...lowerKeys(fields.config, 'Config') };
  return {
    inputBucket,
    outputBucket,
    input,
    inputExtension,
    outputExtension,
    outputFormat,
    outputShardSize,
    algorithm: parseAlgorithm(fields.algorithm),
    ekmFile,
    // The server's key is `ekm_file_sep`; the Python SDK writes `ekm_sep` (both honoured).
    ekmSeparator: text(fields, 'ekm_file_sep') || stringOrEmpty(fields.ekm_sep) || '\t',
    description: text(fields, 'description'),
    maxMemUsage,
    extractConcurrency: count(fields, 'extract_concurrency_max_limit'),
    createConcurrency: count(fields, 'create_concurrency_max_limit'),
    dryRun: flag(fields, 'dry_run'),
    duplicatedRecords: reaction(config, 'duplicated_records', defaults.duplicatedRecords),
    missingShards: reaction(config, 'missing_shards', defaults.missingShards),
    ekmMalformedLine: reaction(config, 'ekm_malformed_line', defaults.ekmMalformedLine),
    ekmMissingKey: reaction(config, 'ekm_missing_key', defaults.ekmMissingKey),
  };
}

/** `ekm_sep` is taken untrimmed: a separator may well be a space. */
function stringOrEmpty(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function checkOutputTemplate(template: string, shardSize: number): void {
  if (template === '')
    throw badRequest(
      '[dsort] parse-spec: "output_format" is required (a range template) without "ekm_file"',
    );
  const parsed = parseOutputTemplate(template);
  if (parsed === undefined)
    throw badRequest(
      `[dsort] parse-spec: "output_format": "${template}" is not a range template ({0000..9999}, @9999 or %06d)`,
    );
  if (parsed.count === Infinity && shardSize === 0)
    throw badRequest(
      `[dsort] parse-spec: "output_shard_size" is required when "output_format" (${template}) has no end`,
    );
  // Every name differs from the first only in its digits: a first name that cannot be an object
  // (a `..` segment) is refused here rather than failing the job after its records were sorted.
  const first = parsed.names().next();
  if (first.done === true) return;
  try {
    validateObjectName(first.value);
  } catch (error) {
    throw badRequest(
      `[dsort] parse-spec: "output_format": ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

/** Bytes a target may hold extracted records in: `80%` of the machine's memory, or a size. */
export function memoryBudget(maxMemUsage: string): number {
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(maxMemUsage);
  if (percent !== null) {
    const share = Number(percent[1]);
    if (share <= 0 || share > 100)
      throw badRequest(
        `[dsort] parse-spec: "max_mem_usage": "${maxMemUsage}" is not in (0%, 100%]`,
      );
    // AIStore reads the percentage of all memory; what is free now bounds it further.
    return Math.min((totalmem() * share) / 100, freemem());
  }
  const bytes = parseByteSize(maxMemUsage);
  if (bytes === undefined)
    throw badRequest(`[dsort] parse-spec: "max_mem_usage": invalid quantity "${maxMemUsage}"`);
  return bytes;
}
