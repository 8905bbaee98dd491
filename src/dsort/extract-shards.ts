// Phase 1 on a target: the input shards it owns are read once each, and their files grouped into
// records (the files sharing a path without extension: image + label) kept in the job's record
// store. A record's key is that common path, or with the `content` algorithm the value read from
// its file of the given extension.
import {
  archiveEntries,
  detectFormat,
  formatFromName,
  webDatasetKey,
  type ArchiveFormat,
} from '../archive/index.js';
import { StoreError, badRequest, isStoreError } from '../errors/index.js';
import { selectionPrefix, selectOwnedObjects } from '../jobs/index.js';
import type { ListRangeJson } from '../wire/index.js';
import type { DsortTargetEnvironment } from './dsort-environment.js';
import { forEachLimited } from './limited.js';
import type { DsortMetrics } from './job-metrics.js';
import type { RecordStore, StoredRecord } from './record-store.js';
import { sameFormat, type Algorithm, type DsortSpec } from './request-spec.js';

/** Longest file a `content` key is read from. */
const maxContentKeyBytes = 64 * 1024;

export interface Extraction {
  spec: DsortSpec;
  environment: DsortTargetEnvironment;
  records: RecordStore;
  metrics: DsortMetrics;
  signal: AbortSignal;
}

/**
 * The selection with AIStore's rule applied: a listed or templated name without an archive
 * extension means the shard of that name with the input extension.
 */
function withExtension(input: ListRangeJson, extension: ArchiveFormat | undefined): ListRangeJson {
  if (extension === undefined) return input;
  const complete = (name: string): string =>
    formatFromName(name) === undefined ? name + extension : name;
  if (input.objnames !== undefined) return { objnames: input.objnames.map(complete) };
  const template = input.template ?? '';
  return selectionPrefix({ template }) !== undefined ? input : { template: complete(template) };
}

/** The names of the input shards this target owns. */
async function ownedShards(job: Extraction): Promise<string[]> {
  const { spec, environment } = job;
  const map = environment.clusterMap();
  if (map === undefined) throw new StoreError('ClusterNotReady', 'no cluster map yet');
  const selection = withExtension(spec.input, spec.inputExtension);
  const isPrefix = selectionPrefix(selection) !== undefined;
  const names: string[] = [];
  const { inputBucket } = spec;
  const scope = {
    bucket: inputBucket,
    nodeId: environment.nodeId,
    map,
    store: environment.store,
    nonRecursive: false,
  };
  for await (const name of selectOwnedObjects(selection, scope)) {
    if (isPrefix) {
      // A listing also holds what is not a shard of the format asked for.
      const format = formatFromName(name);
      if (format === undefined) continue;
      if (spec.inputExtension !== undefined && !sameFormat(format, spec.inputExtension)) continue;
    }
    names.push(name);
  }
  return names;
}

export async function extractOwnedShards(job: Extraction): Promise<void> {
  const names = await ownedShards(job);
  job.metrics.totalShards = names.length;
  await forEachLimited(names, job.spec.extractConcurrency, job.signal, (name) =>
    extractShard(job, name),
  );
}

async function extractShard(job: Extraction, name: string): Promise<void> {
  const { spec, environment, records, metrics } = job;
  let source;
  try {
    source = await environment.openArchive(spec.inputBucket, name);
  } catch (error) {
    if (!isStoreError(error) || error.code !== 'ObjectNotFound') throw error;
    const message = `input shard "${name}" does not exist`;
    if (spec.missingShards === 'abort') throw new StoreError('ObjectNotFound', message);
    if (spec.missingShards === 'warn') metrics.warn(message);
    return;
  }
  const format = spec.inputExtension ?? (await detectFormat(source, name, ''));
  const byKey = new Map<string, StoredRecord>();
  let bytes = 0;
  // Files are read whole only while they will be kept in memory: a file that goes to the spill
  // file is streamed there, not copied into a buffer first.
  const entries = archiveEntries(source, format, undefined, () => records.hasRoom());
  for await (const entry of entries) {
    if (job.signal.aborted) {
      entry.body.destroy();
      throw job.signal.reason;
    }
    const key = webDatasetKey(entry.name);
    let record = byKey.get(key);
    if (record === undefined) {
      record = { key, shard: name, position: byKey.size, files: [] };
      byKey.set(key, record);
    }
    if (spec.algorithm.kind === 'content' && entry.name.endsWith(spec.algorithm.extension)) {
      const data = await readKeyFile(entry.body, entry.size, entry.name);
      record.content = contentKey(data, spec.algorithm, `${name}/${entry.name}`);
      record.files.push(await records.storeBuffer(entry.name, data));
    } else {
      record.files.push(await records.storeFile(entry.name, entry.size, entry.body));
    }
    bytes += entry.size;
  }
  for (const record of byKey.values()) {
    if (spec.algorithm.kind === 'content' && record.content === undefined)
      throw badRequest(
        `record "${record.key}" of "${name}" has no "${spec.algorithm.extension}" file to read its key from`,
      );
    records.add(record);
  }
  metrics.extractedShards += 1;
  metrics.extractedBytes += bytes;
  metrics.extractedRecords += byKey.size;
}

async function readKeyFile(
  body: NodeJS.ReadableStream,
  size: number,
  name: string,
): Promise<Buffer> {
  if (size > maxContentKeyBytes)
    throw badRequest(`content key file "${name}" is ${size} bytes (at most ${maxContentKeyBytes})`);
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The key a `content` file holds, typed as the spec says (400 when it is not). */
export function contentKey(data: Buffer, algorithm: Algorithm, where: string): string | number {
  const text = data.toString('utf8').trim();
  if (algorithm.contentKeyType === 'string') return text;
  const value = Number(text);
  const valid =
    text !== '' &&
    Number.isFinite(value) &&
    (algorithm.contentKeyType === 'float' || /^[-+]?\d+$/.test(text));
  if (!valid)
    throw badRequest(
      `content key "${text}" of "${where}" is not a${algorithm.contentKeyType === 'int' ? 'n int' : ' float'}`,
    );
  return value;
}
