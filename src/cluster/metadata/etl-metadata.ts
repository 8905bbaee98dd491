// ETL metadata (AIStore's EtlMD): every ETL's init message, stage, xaction ID and secret, owned by
// the primary and synced like the bucket metadata. Targets start and stop their transformers from it.
import type { EtlEntryJson, EtlMetadataJson } from '../../wire/index.js';

export class EtlMetadata {
  private constructor(
    readonly version: number,
    readonly uuid: string,
    readonly entries: ReadonlyMap<string, EtlEntryJson>,
  ) {}

  static empty(uuid: string): EtlMetadata {
    return new EtlMetadata(0, uuid, new Map());
  }

  static fromJson(json: EtlMetadataJson): EtlMetadata {
    return new EtlMetadata(
      Number(json.version),
      json.cluster_uuid,
      new Map(Object.entries(json.etls ?? {})),
    );
  }

  get(name: string): EtlEntryJson | undefined {
    return this.entries.get(name);
  }

  list(): Array<[string, EtlEntryJson]> {
    return [...this.entries].sort(([a], [b]) => a.localeCompare(b));
  }

  with(name: string, entry: EtlEntryJson): EtlMetadata {
    return new EtlMetadata(this.version + 1, this.uuid, new Map(this.entries).set(name, entry));
  }

  without(name: string): EtlMetadata {
    const entries = new Map(this.entries);
    entries.delete(name);
    return new EtlMetadata(this.version + 1, this.uuid, entries);
  }

  /** Same ETLs, version raised by `by` (a newly elected primary). */
  bumped(by: number): EtlMetadata {
    return new EtlMetadata(this.version + by, this.uuid, this.entries);
  }

  toJson(): EtlMetadataJson {
    return {
      version: String(this.version),
      cluster_uuid: this.uuid,
      etls: Object.fromEntries(this.entries),
    };
  }
}
