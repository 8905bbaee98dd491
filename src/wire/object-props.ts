// Object properties: the V2 HEAD property names (`props=`) and how they map to response headers,
// and the entries of custom metadata Cairn reserves for itself.

/**
 * Response headers of an object HEAD/GET (all lowercase; repeated `ais-custom-md` values are
 * `key=value` pairs). V1 HEAD sends every non-empty one; V2 sends Content-Length, Ais-Present and
 * the requested ones.
 *
 *   content-length        size in bytes
 *   ais-checksum-type     e.g. xxhash
 *   ais-checksum-value    hex
 *   ais-atime             access time, decimal Unix nanoseconds
 *   ais-version           version (when the bucket is versioned)
 *   ais-custom-md         key=value (repeated)
 *   ais-name              object name
 *   ais-bucket-name, ais-bucket-provider
 *   ais-location          t[<target id>]:<mountpath>
 *   ais-mirror-copies     number of copies (1 = no mirror)
 *   ais-mirror-paths      comma list of copy mountpaths
 *   ais-present           "true" / "false"
 *   ais-ec-data, ais-ec-parity, ais-ec-generation, ais-ec-replicated   EC layout (EC objects only)
 *   ais-ec-slices         Cairn: `<slice id>=t[<target id>]` comma list (EC objects only)
 *   ais-chunks-count, ais-chunks-max-chunk-size   chunked objects (V2 `chunked` only)
 *   last-modified         RFC 7231 date
 *   etag                  quoted; V1 only when the object has an S3 ETag (see HEAD V2 `etag`)
 *
 * Property names accepted by HEAD V2 (`props=a,b,c`): AIStore's `GetPropsAllV2`. AIStore refuses
 * any other name with 400 (`cached`, `status` and `present` included).
 */
export const ObjectProp = {
  name: 'name',
  size: 'size',
  checksum: 'checksum',
  atime: 'atime',
  version: 'version',
  location: 'location',
  custom: 'custom',
  copies: 'copies',
  ec: 'ec',
  lastModified: 'last-modified',
  etag: 'etag',
  chunked: 'chunked',
} as const;

/** True when `name` is a property HEAD V2 accepts. */
export function isObjectProp(name: string): boolean {
  return (Object.values(ObjectProp) as string[]).includes(name);
}

/*
 * Entries of an object's custom metadata that Cairn keeps for itself: the encryption record and
 * the object's S3 ACL. They live in the object's record so that every copy, move, rebalance and EC
 * restore carries them without a codec change, but they are not the user's: no user write may set
 * them (a forged encryption record turns reads into garbage, a forged ACL grants access), a
 * replacing write of custom metadata keeps them, and no API shows them as user metadata.
 */

/** The encryption record (owned by src/storage/encryption/object-keys.ts). */
export const encryptionMetadataKey = 'cairn-sse';

/** The object's S3 ACL (its encoding is owned by src/api/s3/access/object-acl.ts). */
export const objectAclMetadataKey = 'cairn-acl';

const reservedKeys: ReadonlySet<string> = new Set([encryptionMetadataKey, objectAclMetadataKey]);

/** The user's part of custom metadata (the same object when it holds nothing reserved). */
export function userMetadataOf(metadata: Record<string, string>): Record<string, string> {
  if (reservedKeyIn(metadata) === undefined) return metadata;
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !reservedKeys.has(key)));
}

/** Cairn's own part of custom metadata. */
export function reservedMetadataOf(metadata: Record<string, string>): Record<string, string> {
  if (reservedKeyIn(metadata) === undefined) return {};
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => reservedKeys.has(key)));
}

/** The first reserved entry user metadata names, if any (its writer refuses it). */
export function reservedKeyIn(metadata: Record<string, string>): string | undefined {
  for (const key of reservedKeys) if (key in metadata) return key;
  return undefined;
}
