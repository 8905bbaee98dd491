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
 *   last-modified         RFC 7231 date
 *
 * Property names accepted by HEAD V2 (`props=a,b,c`).
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
  present: 'present',
  ec: 'ec',
  lastModified: 'last-modified',
  etag: 'etag',
} as const;
