// `archive` (AIStore's ArchiveBckMsg, `xact/xs/archive.go`): a shard built from listed or
// range-templated objects of a bucket, written by the HRW owner of the shard; it reads each object
// (here, or streamed from its owner) into the archive as it goes, and stores the shard like a PUT.
// The other targets have nothing to do and finish at once.
import { basename } from 'node:path/posix';
import {
  createArchiveWriter,
  formatFromName,
  normalizeFormat,
  type ArchiveFormat,
} from '../../archive/index.js';
import { badRequest, isStoreError, notImplemented } from '../../errors/index.js';
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
  if (record.aate === true)
    throw notImplemented('archive "aate" (append to an existing shard: use PUT with archpath)');
  const selection = parseListRange({ objnames: record.objnames, template: record.template ?? '' });
  if (selectionPrefix(selection) !== undefined)
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
    selection,
    baseNameOnly: record.bnonly === true,
    includeBucketName: record.isbn === true,
    continueOnError: record.coer === true,
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
    const writer = createArchiveWriter(this.args.format);
    const stored = this.environment.putObject(destination, this.args.name, writer.output);
    stored.catch((error: unknown) =>
      writer.abort(error instanceof Error ? error : new Error(String(error))),
    );
    try {
      for (const name of selectedNames(this.args.selection)) {
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
        await writer.add(
          this.#entryName(source, name),
          opened.size,
          opened.body,
          opened.modifiedMs,
        );
        this.counters.localObjects += 1;
        this.counters.localBytes += opened.size;
      }
      writer.finish();
    } catch (error) {
      writer.abort(error instanceof Error ? error : new Error(String(error)));
      await stored.catch(() => undefined);
      throw error;
    }
    await stored;
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
