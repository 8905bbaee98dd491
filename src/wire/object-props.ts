// Object properties: the V2 HEAD property names (`props=`) and how they map to response headers.

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
