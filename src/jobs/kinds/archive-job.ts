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
import { badRequest, isStoreError, notImplemented } from '../../errors/index.js';
import { expandBraceTemplate, parseBraceTemplate } from '../../util/brace-template.js';
import { asRecord } from '../../util/json.js';
import type { Logger } from '../../util/log.js';
import { objectUname, type BucketJson } from '../../wire/index.js';
import type { JobDefinition, TargetJobEnvironment } from '../job-environment.js';
import { Job } from '../job.js';
import { parseListRange } from '../object-selection.js';

export interface ArchiveArgs {
  to: BucketJson | undefined;
  name: string;
  format: ArchiveFormat;
  objnames: string[] | undefined;
  template: string | undefined;
  baseNameOnly: boolean;
  includeBucketName: boolean;
  continueOnError: boolean;
  /** `aate`: append to the shard when it exists. */
  appendToExisting: boolean;
}

/** Validates an ArchiveBckMsg (keys case-insensitive); 501 for what is not built. */
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
  if (
    selection.objnames === undefined &&
    parseBraceTemplate(selection.template ?? '') === undefined
  )
    throw notImplemented(
      'archive of a prefix or a whole bucket (give "objnames" or a range template)',
    );
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
    objnames: selection.objnames,
    template: selection.template,
    baseNameOnly: record.bnonly === true,
    includeBucketName: record.isbn === true,
    continueOnError: record.coer === true,
    appendToExisting: record.aate === true,
  };
}

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
      (writer) => this.#addObjects(writer, source, signal, log),
    );
  }

  async #addObjects(
    writer: ArchiveWriter,
    source: BucketJson,
    signal: AbortSignal,
    log: Logger,
  ): Promise<void> {
    for (const name of this.#names()) {
      if (signal.aborted) throw new Error('aborted');
      let opened;
      try {
        opened = await this.environment.openObject(source, name);
      } catch (error) {
        if (this.args.continueOnError && isStoreError(error) && error.code === 'ObjectNotFound') {
          log.warn('archive: object skipped', { job: this.id, name, error: error.message });
          continue;
        }
        throw error;
      }
      await writer.add(this.#entryName(source, name), opened.size, opened.body, opened.modifiedMs);
      this.counters.localObjects += 1;
      this.counters.localBytes += opened.size;
    }
  }

  *#names(): Generator<string> {
    if (this.args.objnames !== undefined) {
      yield* this.args.objnames;
      return;
    }
    const template = parseBraceTemplate(this.args.template ?? '');
    if (template !== undefined) yield* expandBraceTemplate(template);
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
