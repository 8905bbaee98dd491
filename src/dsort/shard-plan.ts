// Phase 2, continued: sorted records cut into output shards. With a template, shards take the
// template's names in order, each filled until its records' bytes reach `output_shard_size` (or,
// without one, an even share of the total over the template's count). With an external key map,
// each record goes to the shard group its key maps to, a group's shards named by its own template.
// Records are never split: a shard may pass the size by less than its last record.
import { formatFromName, type ArchiveFormat } from '../archive/index.js';
import { badRequest } from '../errors/index.js';
import type { DsortRecordJson } from '../wire/index.js';
import { parseOutputTemplate } from './output-names.js';
import type { DsortSpec } from './request-spec.js';

export interface PlannedShard {
  name: string;
  size: number;
  records: DsortRecordJson[];
}

export function recordSize(record: DsortRecordJson): number {
  return record.files.reduce((total, [, size]) => total + size, 0);
}

/** Fills shards named by `names`, in order, up to `limit` bytes each. */
class ShardFiller {
  readonly shards: PlannedShard[] = [];

  constructor(
    private readonly names: Iterator<string>,
    private readonly limit: number,
    private readonly extension: ArchiveFormat,
    private readonly template: string,
  ) {}

  add(record: DsortRecordJson): void {
    let current = this.shards[this.shards.length - 1];
    if (current === undefined || (current.size >= this.limit && this.limit > 0)) {
      const next = this.names.next();
      if (next.done === true)
        throw badRequest(
          `the records need more shards than "${this.template}" names (${this.shards.length})`,
        );
      // AIStore: a name without an archive extension gets the output extension.
      const name =
        formatFromName(next.value) === undefined ? next.value + this.extension : next.value;
      current = { name, size: 0, records: [] };
      this.shards.push(current);
    }
    current.records.push(record);
    current.size += recordSize(record);
  }
}

export function planByTemplate(
  records: readonly DsortRecordJson[],
  spec: DsortSpec,
): PlannedShard[] {
  const template = parseOutputTemplate(spec.outputFormat);
  if (template === undefined) throw badRequest(`"${spec.outputFormat}" is not a range template`);
  const total = records.reduce((sum, record) => sum + recordSize(record), 0);
  const limit = spec.outputShardSize > 0 ? spec.outputShardSize : Math.ceil(total / template.count);
  const filler = new ShardFiller(template.names(), limit, spec.outputExtension, spec.outputFormat);
  for (const record of records) filler.add(record);
  return filler.shards;
}

/** The reaction to an irregularity: nothing, a warning, or the job's failure. */
export type React = (reaction: DsortSpec['ekmMissingKey'], message: string) => void;

/** An external key map: record key → the template of its shard group. */
export function parseKeyMap(
  text: string,
  url: string,
  spec: DsortSpec,
  react: React,
): Map<string, string> {
  const map = new Map<string, string>();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    if (new URL(url).pathname.endsWith('.json'))
      throw badRequest(`external key map ${url}: not valid JSON, though named .json`);
    json = undefined;
  }
  if (json !== undefined) {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw badRequest(`external key map ${url}: expected {"<shard template>": ["key", ...]}`);
    for (const [template, keys] of Object.entries(json)) {
      if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string'))
        throw badRequest(`external key map ${url}: "${template}" must map to an array of keys`);
      for (const key of keys) map.set(key, template);
    }
    return map;
  }
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const parts = line.split(spec.ekmSeparator);
    const [key, template] = parts;
    if (parts.length !== 2 || key === undefined || template === undefined) {
      react(spec.ekmMalformedLine, `malformed line (${index}) in external key map: ${line}`);
      return;
    }
    map.set(key, template);
  });
  return map;
}

export function planByKeyMap(
  records: readonly DsortRecordJson[],
  keyMap: ReadonlyMap<string, string>,
  spec: DsortSpec,
  react: React,
): PlannedShard[] {
  const groups = new Map<string, ShardFiller>();
  for (const record of records) {
    const template = keyMap.get(record.key);
    if (template === undefined) {
      react(
        spec.ekmMissingKey,
        `extracted record "${record.key}" which does not belong in external key map`,
      );
      continue;
    }
    let filler = groups.get(template);
    if (filler === undefined) {
      const parsed = parseOutputTemplate(template);
      if (parsed === undefined)
        throw badRequest(`invalid output template "${template}" in the external key map: no range`);
      filler = new ShardFiller(
        parsed.names(),
        spec.outputShardSize,
        spec.outputExtension,
        template,
      );
      groups.set(template, filler);
    }
    filler.add(record);
  }
  return [...groups.values()].flatMap((filler) => filler.shards);
}
