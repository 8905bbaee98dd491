// `archive` (AIStore's ArchiveBckMsg, `xact/xs/archive.go`): a shard built from listed or
// range-templated objects of a bucket, written by the HRW owner of the shard; it reads the objects
// as GetBatch reads its items (here, or out of one stream per owner), each owner through its object
// service (a remote bucket's uncached object is a cold GET there), into the archive as it goes, and
// stores the shard like a PUT. The other targets have nothing to do and finish at once.
import { basename } from 'node:path/posix';
import {
  formatFromName,
  normalizeFormat,
  type ArchiveFormat,
  type ArchiveWriter,
} from '../../archive/index.js';
import { badRequest, isStoreError } from '../../errors/index.js';
import type { Logger } from '../../util/log.js';
import { validateObjectName } from '../../storage/layout/index.js';
import {
  objectUname,
  parseBucketJson,
  type BucketJson,
  type ListRangeJson,
} from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';
import { caselessRecord, readBoolean, readString } from '../multi-object.js';
import { parseListRange, selectedNames, selectionPrefix } from '../object-selection.js';

export interface ArchiveArgs {
  to: BucketJson | undefined;
  name: string;
  format: ArchiveFormat;
  selection: ListRangeJson;
  baseNameOnly: boolean;
  includeBucketName: boolean;
  continueOnError: boolean;
  /** `aate`: append to the shard when it exists. */
  appendToExisting: boolean;
  /** `non-recurs`: with a prefix, not the objects of its virtual subdirectories. */
  nonRecursive: boolean;
}

/** Validates an ArchiveBckMsg (keys case-insensitive, at every level, as Go decodes them). */
export function parseArchiveMessage(value: unknown): ArchiveArgs {
  const record = caselessRecord(value, 'archive');
  const name = readString(record, 'archname', 'archive');
  const format = formatFromName(name);
  if (format === undefined)
    throw badRequest(`archive: "archname" must end in a supported extension (got "${name}")`);
  validateObjectName(name);
  const mime = readString(record, 'mime', 'archive');
  if (
    mime !== '' &&
    normalizeFormat(mime) !== format &&
    !(mime.includes('gz') && format.includes('gz'))
  )
    throw badRequest(`archive: mime "${mime}" does not agree with "${name}"`);
  // AIStore's ListRange is a list only when it names something: `"objnames": []` with no
  // template is the whole bucket, as an absent list is.
  const names =
    Array.isArray(record.objnames) && record.objnames.length === 0 ? undefined : record.objnames;
  const selection = parseListRange({ objnames: names, template: record.template ?? '' });
  return {
    to: destinationOf(record.tobck),
    name,
    format,
    selection,
    baseNameOnly: readBoolean(record, 'bnonly', 'archive'),
    includeBucketName: readBoolean(record, 'isbn', 'archive'),
    continueOnError: readBoolean(record, 'coer', 'archive'),
    appendToExisting: readBoolean(record, 'aate', 'archive'),
    nonRecursive: readBoolean(record, 'non-recurs', 'archive'),
  };
}

/**
 * The shard's bucket (`tobck`), undefined for the source bucket: absent, or Go's empty `cmn.Bck`
 * (a struct is always encoded: `{"name": "", "provider": ""}` when not set). As AIStore's proxy,
 * only a wholly empty one means the source; one with a provider or namespace but no name is a 400.
 */
function destinationOf(value: unknown): BucketJson | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = caselessRecord(value, 'archive: "tobck"');
  const namespace = fields.namespace;
  const emptyNamespace =
    namespace === undefined ||
    namespace === null ||
    (typeof namespace === 'object' &&
      Object.values(namespace).every((item) => item === '' || item === null));
  if (!fields.name && !fields.provider && emptyNamespace) return undefined;
  const bucket = parseBucketJson(value);
  if (typeof bucket === 'string') throw badRequest(`archive: "tobck": ${bucket}`);
  return bucket;
}

/**
 * Names asked of the owners at a time: one batch (one stream per other target) per page, so a
 * prefix of any size is never held in memory whole.
 */
const namesPerBatch = 1000;

class ArchiveJob extends Job {
  constructor(
    id: string,
    bucket: BucketJson,
    private readonly args: ArchiveArgs,
    private readonly environment: TargetJobEnvironment,
  ) {
    super(id, 'archive', bucket);
  }

  protected async execute(signal: AbortSignal, log: Logger): Promise<void> {
    const source = this.bucket as BucketJson;
    const destination = this.args.to ?? source;
    const map = this.environment.clusterMap();
    const owner = map?.ownerOf(objectUname(destination, this.args.name));
    if (owner?.id !== this.environment.nodeId) return;
    const { format, appendToExisting } = this.args;
    await this.environment.writeShard(
      destination,
      this.args.name,
      { format, append: appendToExisting },
      (writer) => this.#addObjects(writer, source, destination, signal, log),
    );
  }

  /**
   * Adds the selected objects in order, a page of names at a time, read as GetBatch reads its
   * items: this target's here, every other target's out of one stream from it per page (not one
   * request per object), a window ahead of the one written.
   */
  async #addObjects(
    writer: ArchiveWriter,
    source: BucketJson,
    destination: BucketJson,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    const modifiedMs = this.environment.store.clock.nowMs();
    for await (const page of pagesOf(this.#names(source, destination), namesPerBatch)) {
      const batch = this.environment.openObjects(source, page);
      try {
        for (const [index, name] of page.entries()) {
          if (signal.aborted) throw new Error('aborted');
          // An object opened already is taken, and a small one added, with no promise (most
          // are: ten thousand a job of 4 KiB objects).
          const outcome = batch.takeNow(index) ?? (await batch.take(index));
          if ('error' in outcome) {
            const { error } = outcome;
            if (
              this.args.continueOnError &&
              isStoreError(error) &&
              error.code === 'ObjectNotFound'
            ) {
              log.warn('archive: object skipped', { job: this.id, name, error: error.message });
              continue;
            }
            throw error;
          }
          const { size, body } = outcome.opened;
          const added = writer.add(this.#entryName(source, name), size, body, modifiedMs);
          if (added !== undefined) await added;
          this.counters.localObjects += 1;
          this.counters.localBytes += size;
        }
      } catch (error) {
        // What was opened ahead and will not be written is closed (a peer's stream is cut).
        await batch.abandon();
        throw error;
      }
      batch.finish();
    }
  }

  /**
   * Listed names, a range template's, or (a template with no range: AIStore's plain prefix, `*`
   * trimmed; empty: the whole bucket) the objects under the prefix across the cluster, in order,
   * less the shard itself.
   */
  #names(source: BucketJson, destination: BucketJson): Iterable<string> | AsyncIterable<string> {
    const prefix = selectionPrefix(this.args.selection);
    // A list or a range template: walked as it is, with no promise per name.
    if (prefix === undefined) return selectedNames(this.args.selection);
    return this.#listed(source, destination, prefix);
  }

  async *#listed(
    source: BucketJson,
    destination: BucketJson,
    prefix: string,
  ): AsyncGenerator<string> {
    const directory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const sameBucket = objectUname(source, '') === objectUname(destination, '');
    // A remote bucket's objects are the backend's (cached or not), as AIStore lists them.
    const listed = this.environment.isRemoteBucket(source)
      ? this.environment.remoteObjectNames(source, prefix)
      : this.environment.listObjectNames(source, prefix);
    for await (const name of listed) {
      if (this.args.nonRecursive && name.slice(directory.length).includes('/')) continue;
      if (sameBucket && name === this.args.name) continue;
      yield name;
    }
  }

  #entryName(source: BucketJson, name: string): string {
    const base = this.args.baseNameOnly ? basename(name) : name;
    return this.args.includeBucketName ? `${source.name}/${base}` : base;
  }
}

/**
 * The names in pages of `size` (the last one shorter); a synchronous source is walked without a
 * promise per name (three generators' steps each, where ten thousand names make ten pages).
 */
async function* pagesOf(
  names: Iterable<string> | AsyncIterable<string>,
  size: number,
): AsyncGenerator<string[]> {
  let page: string[] = [];
  const full = (name: string): boolean => page.push(name) >= size;
  if (Symbol.asyncIterator in names) {
    for await (const name of names) {
      if (!full(name)) continue;
      yield page;
      page = [];
    }
  } else {
    for (const name of names) {
      if (!full(name)) continue;
      yield page;
      page = [];
    }
  }
  if (page.length > 0) yield page;
}

export const archiveDefinition: JobDefinition = {
  kind: { name: 'archive', startable: false, bucketScoped: true, exclusive: false },
  create(request, environment) {
    if (request.bucket === undefined) throw new Error('archive needs a bucket');
    return new ArchiveJob(
      request.id,
      request.bucket,
      parseArchiveMessage(request.args),
      environment,
    );
  },
};
