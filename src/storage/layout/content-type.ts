// Content types: the `%xx` directory under a bucket that says what kind of file lives below it.

/** Every content type AIStore defines; Cairn uses `ob`, `wk`, `ec`, `mt`, `ch`, `ut` and `vr` so far. */
export const ContentType = {
  /** objects and local mirror copies: the user's bytes, unchanged */
  object: 'ob',
  /** work files: temporary, owned by the running process, emptied at start-up */
  work: 'wk',
  /** erasure-coded data and parity slices */
  erasureSlice: 'ec',
  /** erasure-coding metadata files */
  erasureMetadata: 'mt',
  /** chunks of chunked objects */
  chunk: 'ch',
  /** chunk manifests */
  chunkManifest: 'ut',
  /** distributed-sort files */
  distributedSort: 'ds',
  /** distributed-sort work files */
  distributedSortWork: 'dw',
  /** older versions and delete markers of objects in buckets that keep history (S3 versioning) */
  version: 'vr',
} as const;

export type ContentTypeName = (typeof ContentType)[keyof typeof ContentType];

/** The directory name of a content type, e.g. `%ob`. */
export function contentTypeDirectory(type: ContentTypeName): string {
  return `%${type}`;
}

/** The trees that hold files stored like objects (with a metadata record): see `replicaPaths`. */
export type StoredContentType = 'ob' | 'ec' | 'mt';
