// HTTP header names of the native API; AIStore's spellings (`Ais-*`) because clients depend on them.

export const Header = {
  checksumType: 'ais-checksum-type',
  checksumValue: 'ais-checksum-value',
  accessTime: 'ais-atime',
  version: 'ais-version',
  customMetadata: 'ais-custom-md',
  objectName: 'ais-name',
  bucketName: 'ais-bucket-name',
  bucketProvider: 'ais-bucket-provider',
  location: 'ais-location',
  mirrorCopies: 'ais-mirror-copies',
  mirrorPaths: 'ais-mirror-paths',
  present: 'ais-present',
  erasureData: 'ais-ec-data',
  erasureParity: 'ais-ec-parity',
  erasureGeneration: 'ais-ec-generation',
  erasureReplicated: 'ais-ec-replicated',
  /** Cairn: where the EC pieces are, `<slice id>=t[<target id>]` comma list (0 = full copy). */
  erasureSlices: 'ais-ec-slices',
  /** Intra-cluster: the metafile JSON of an EC piece being stored or served. */
  erasureMetadata: 'ais-ec-metadata',
  /** HEAD V2 `chunked`: number of chunks and the size of the largest, in bytes. */
  chunksCount: 'ais-chunks-count',
  chunksMaxChunkSize: 'ais-chunks-max-chunk-size',
  /** APPEND response: the handle the next append or the flush sends back. */
  appendHandle: 'ais-append-handle',
  /** PUT with `archpath`: 0 create or replace the shard, 1 append (404 without it), 2 either. */
  archiveAppendFlags: 'ais-pine',
  bucketProps: 'ais-bucket-props',
  /** HEAD bucket with `bsumm_remote`: the bucket's summary (BsummResult JSON). */
  bucketSummary: 'ais-bucket-summ',
  jobId: 'ais-xaction-id',
  nodeId: 'ais-node-id',
  nodeUrl: 'ais-node-url',
  callerId: 'ais-caller-id',
  callerName: 'ais-caller-name',
  callerSmapVersion: 'ais-caller-smap-ver',
  /** GET of a remote object through the blob downloader (`true`), and its settings. */
  blobDownload: 'ais-blob-download',
  blobChunk: 'ais-blob-chunk',
  blobWorkers: 'ais-blob-workers',
  blobReadTimeout: 'ais-blob-read-timeout',
  blobThreshold: 'ais-blob-threshold',
  /** `PUT /v1/cluster/attach|detach?what=remote`: the remote cluster's alias and URL. */
  remoteAisAlias: 'ais-remote-ais-alias',
  remoteAisUrl: 'ais-remote-ais-url',
  error: 'hdr-error',
  contentType: 'content-type',
  contentLength: 'content-length',
  accept: 'accept',
  range: 'range',
  contentRange: 'content-range',
  acceptRanges: 'accept-ranges',
  location307: 'location',
  etag: 'etag',
  lastModified: 'last-modified',
  /**
   * Cairn: on a read sent to a gateway again after its target could not be reached, the origin
   * (`http://host:port`) of that target. The gateway checks it and sends the read elsewhere.
   */
  unreachableTarget: 'x-cairn-unreachable-target',
} as const;

export const ContentType = {
  json: 'application/json',
  msgpack: 'application/msgpack',
  /** A target's list page in columns (`ListColumnsJson`), asked by a gateway; sent as JSON. */
  listColumns: 'application/vnd.cairn.list-columns+json',
  octetStream: 'application/octet-stream',
  text: 'text/plain; charset=utf-8',
} as const;
