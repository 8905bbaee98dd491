// `archive` (AIStore's ArchiveBckMsg, `xact/xs/archive.go`): a shard built from listed or
// range-templated objects of a bucket, written by the HRW owner of the shard; it reads each object
// (here, or streamed from its owner) into the archive as it goes, and stores the shard like a PUT.
// The other targets have nothing to do and finish at once.
import { basename } from 'node:path/posix';
import {
  formatFromName,
  normalizeFormat,
  type ArchiveFormat,
  type ArchiveWriter,
} from '../../archive/index.js';
import { badRequest, isStoreError } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import type { Logger } from '../../util/log.js';
import { objectUname, type BucketJson, type ListRangeJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';
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

/** Validates an ArchiveBckMsg (keys case-insensitive). */
export function parseArchiveMessage(value: unknown): ArchiveArgs {
  const record = Object.fromEntries(
    Object.entries(asRecord(value) ?? {}).map(([key, item]) => [key.toLowerCase(), item]),
  );
  const name = typeof record.archname === 'string' ? record.archname : '';
  const format = formatFromName(name);
  if (format === undefined)
    throw badRequest(`archive: "archname" must end in a supported extension (got "${name}")`);
  const mime = typeof record.mime === 'string' ? record.mime : '';
  if (
    mime !== '' &&
    normalizeFormat(mime) !== format &&
    !(mime.includes('gz') && format.includes('gz'))
  )
    throw badRequest(`archive: mime "${mime}" does not agree with "${name}"`);
  const selection = parseListRange({ objnames: record.objnames, template: record.template ?? '' });
  const to = asRecord(record.tobck);
  return {
    to:
      to === undefined || typeof to.name !== 'string' || to.name === ''
        ? undefined
        : {
            name: to.name,
            provider: typeof to.provider === 'string' && to.provider !== '' ? to.provider : 'ais',
          },
    name,
    format,
    selection,
    baseNameOnly: record.bnonly === true,
    includeBucketName: record.isbn === true,
    continueOnError: record.coer === true,
    appendToExisting: record.aate === true,
    nonRecursive: record['non-recurs'] === true,
  };
}

/** Objects opened ahead of the one being written (each an open file or a peer's response). */
const objectsOpenedAhead = 16;

type OpenOutcome =
  { opened: Awaited<ReturnType<TargetJobEnvironment['openObject']>> } | { error: unknown };

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
   * Adds the selected objects in order, each opened `objectsOpenedAhead` ahead of the one written
   * (most are read from other targets: their requests overlap instead of following each other).
   */
  async #addObjects(
    writer: ArchiveWriter,
    source: BucketJson,
    destination: BucketJson,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    const names = this.#names(source, destination);
    const ahead: { name: string; opening: Promise<OpenOutcome> }[] = [];
    const fill = async (): Promise<void> => {
      while (ahead.length < objectsOpenedAhead) {
        const next = await names.next();
        if (next.done === true) return;
        const name = next.value;
        const opening = this.environment.openObject(source, name).then(
          (opened) => ({ opened }),
          (error: unknown) => ({ error }),
        );
        ahead.push({ name, opening });
      }
    };
    try {
      for (await fill(); ahead.length > 0; await fill()) {
        if (signal.aborted) throw new Error('aborted');
        const { name, opening } = ahead.shift() as (typeof ahead)[number];
        const outcome = await opening;
        if ('error' in outcome) {
          const { error } = outcome;
          if (this.args.continueOnError && isStoreError(error) && error.code === 'ObjectNotFound') {
            log.warn('archive: object skipped', { job: this.id, name, error: error.message });
            continue;
          }
          throw error;
        }
        const { opened } = outcome;
        await writer.add(
          this.#entryName(source, name),
          opened.size,
          opened.body,
          opened.modifiedMs,
        );
        this.counters.localObjects += 1;
        this.counters.localBytes += opened.size;
      }
    } finally {
      // What was opened ahead and will not be written is closed (a peer's response errors then).
      for (const { opening } of ahead) {
        const outcome = await opening;
        if ('opened' in outcome) {
          outcome.opened.body.once('error', () => undefined);
          outcome.opened.body.destroy();
        }
      }
      await names.return(undefined);
    }
  }

  /**
   * Listed names, a range template's, or (a template with no range: AIStore's plain prefix, `*`
   * trimmed; empty: the whole bucket) the objects under the prefix across the cluster, in order,
   * less the shard itself.
   */
  async *#names(source: BucketJson, destination: BucketJson): AsyncGenerator<string> {
    const prefix = selectionPrefix(this.args.selection);
    if (prefix === undefined) {
      yield* selectedNames(this.args.selection);
      return;
    }
    const directory = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const sameBucket = objectUname(source, '') === objectUname(destination, '');
    for await (const name of this.environment.listObjectNames(source, prefix)) {
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
