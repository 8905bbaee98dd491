// Bucket metadata (BMD): every bucket and its properties; immutable per version, owned by the primary.
import {
  namespaceUname,
  normalizeProvider,
  parseNamespace,
  type BucketJson,
  type BucketMetadataJson,
  type BucketPropsJson,
} from '../../wire/index.js';

export interface BucketEntry {
  readonly bucket: BucketJson;
  readonly props: BucketPropsJson;
}

/** Map key of a bucket: provider, namespace uname and name. */
export function bucketKey(bucket: BucketJson): string {
  return `${bucket.provider}/${namespaceUname(bucket.namespace)}/${bucket.name}`;
}

export class BucketMetadata {
  private constructor(
    readonly version: number,
    readonly uuid: string,
    private readonly entries: ReadonlyMap<string, BucketEntry>,
  ) {}

  static empty(uuid: string): BucketMetadata {
    return new BucketMetadata(1, uuid, new Map());
  }

  static fromJson(json: BucketMetadataJson): BucketMetadata {
    const entries = new Map<string, BucketEntry>();
    for (const [provider, namespaces] of Object.entries(json.providers ?? {})) {
      for (const [nsUname, buckets] of Object.entries(namespaces)) {
        const namespace = parseNamespace(nsUname);
        for (const [name, props] of Object.entries(buckets)) {
          const bucket: BucketJson = { name, provider: normalizeProvider(provider) ?? provider };
          if (namespace !== undefined && (namespace.uuid !== '' || namespace.name !== '')) {
            bucket.namespace = namespace;
          }
          entries.set(bucketKey(bucket), { bucket, props });
        }
      }
    }
    return new BucketMetadata(Number(json.version), json.uuid, entries);
  }

  toJson(): BucketMetadataJson {
    const providers: BucketMetadataJson['providers'] = {};
    for (const { bucket, props } of this.entries.values()) {
      const namespaces = (providers[bucket.provider] ??= {});
      const buckets = (namespaces[namespaceUname(bucket.namespace)] ??= {});
      buckets[bucket.name] = props;
    }
    return { providers, uuid: this.uuid, version: String(this.version) };
  }

  get(bucket: BucketJson): BucketEntry | undefined {
    return this.entries.get(bucketKey(bucket));
  }

  list(provider?: string): BucketEntry[] {
    return [...this.entries.values()]
      .filter((entry) => provider === undefined || entry.bucket.provider === provider)
      .sort((a, b) => (a.bucket.name < b.bucket.name ? -1 : a.bucket.name > b.bucket.name ? 1 : 0));
  }

  /**
   * The ID of a bucket created (or renamed) now: one no bucket ever had, not even a destroyed one,
   * since a target away during the destroy tells the incarnations apart by it. Every ID is at most
   * the version of the metadata that first held it, and versions only grow.
   */
  nextBucketId(): bigint {
    let max = BigInt(this.version);
    for (const { props } of this.entries.values()) {
      const id = BigInt(props.bid);
      if (id > max) max = id;
    }
    return max + 1n;
  }

  withBucket(bucket: BucketJson, props: BucketPropsJson): BucketMetadata {
    const entries = new Map(this.entries);
    entries.set(bucketKey(bucket), { bucket, props });
    return new BucketMetadata(this.version + 1, this.uuid, entries);
  }

  /** Same buckets, version raised by `by` (a newly elected primary, see ClusterMap.bumped). */
  bumped(by: number): BucketMetadata {
    return new BucketMetadata(this.version + by, this.uuid, this.entries);
  }

  withoutBucket(bucket: BucketJson): BucketMetadata {
    const entries = new Map(this.entries);
    entries.delete(bucketKey(bucket));
    return new BucketMetadata(this.version + 1, this.uuid, entries);
  }
}
