// Object properties as the SDK returns them (camelCase), decoded from GET/HEAD response headers
// (`Ais-*`, Content-Length, Content-Range, Last-Modified; see wire/object-props.ts).
import type { IncomingHttpHeaders } from 'node:http';
import { Header, type BucketJson } from '../wire/index.js';
import { headerValue, headerValues } from './http-exchange.js';

/** Properties of one object. */
export interface ObjectProps {
  name: string;
  bucket: BucketJson;
  /** Full object size in bytes (also for a range read); -1 when the server sent no length. */
  size: number;
  /** Content checksum; type `none` and an empty value when the server sent none. */
  checksum: { type: string; value: string };
  /** Last access, Unix nanoseconds (0 when unknown). */
  atimeNs: bigint;
  version?: string;
  /** Custom metadata: one `Ais-Custom-Md: key=value` header per pair. */
  customMetadata: Record<string, string>;
  /** `t[<target id>]:<mountpath>`. */
  location?: string;
  mirrorCopies?: number;
  mirrorPaths?: string[];
  /** Erasure coding (EC objects only): layout, generation, and where each piece is. */
  ec?: ErasureCodingProps;
  /** Whether the object is present in the cluster (as opposed to only in a remote backend). */
  present: boolean;
  lastModified?: Date;
  /** The ETag, quotes removed (V1: an S3 ETag only; V2 `etag`: always one if there is a checksum). */
  etag?: string;
  /** A chunked (multipart) object's chunks (V2 `chunked` only). */
  chunks?: { count: number; maxChunkSizeBytes: number };
}

/** An erasure-coded object's layout (`Ais-Ec-*` headers). */
export interface ErasureCodingProps {
  dataSlices: number;
  paritySlices: number;
  generation: string;
  /** True when small enough to be replicated (P full copies) rather than sliced. */
  replicated: boolean;
  /** Pieces by holder: slice ID 0 is a full copy (the owner's main replica, or a replica). */
  pieces: Array<{ sliceId: number; target: string }>;
}

/**
 * Decodes object properties from response headers. `requested` names the object asked for: the
 * name is always taken from it, the bucket when the server does not echo one.
 */
export function objectPropsFromHeaders(
  headers: IncomingHttpHeaders,
  requested: { bucket: BucketJson; name: string },
): ObjectProps {
  const text = (name: string): string | undefined => {
    const value = headerValue(headers, name);
    return value === undefined || value === '' ? undefined : value;
  };
  const props: ObjectProps = {
    // The name asked for, not `Ais-Name`: servers may percent-encode that header's value.
    name: requested.name,
    bucket: bucketFromHeaders(text, requested.bucket),
    size: objectSize(headers),
    checksum: {
      type: text(Header.checksumType) ?? 'none',
      value: text(Header.checksumValue) ?? '',
    },
    atimeNs: parseNanoseconds(text(Header.accessTime)),
    customMetadata: parseCustomMetadata(headerValues(headers, Header.customMetadata)),
    // A successful answer without the header means the object is there (V1 omits empty fields).
    present: text(Header.present) !== 'false',
  };
  const version = text(Header.version);
  if (version !== undefined) props.version = version;
  const location = text(Header.location);
  if (location !== undefined) props.location = location;
  const copies = Number(text(Header.mirrorCopies));
  if (Number.isSafeInteger(copies)) props.mirrorCopies = copies;
  const paths = text(Header.mirrorPaths);
  if (paths !== undefined) props.mirrorPaths = paths.split(',').filter((path) => path !== '');
  const ec = erasureCodingFromHeaders(text);
  if (ec !== undefined) props.ec = ec;
  const lastModified = new Date(text(Header.lastModified) ?? Number.NaN);
  if (!Number.isNaN(lastModified.getTime())) props.lastModified = lastModified;
  const etag = text(Header.etag);
  if (etag !== undefined) props.etag = etag.replace(/^"(.*)"$/, '$1');
  const chunkCount = Number(text(Header.chunksCount));
  const maxChunkSizeBytes = Number(text(Header.chunksMaxChunkSize));
  if (Number.isSafeInteger(chunkCount) && Number.isSafeInteger(maxChunkSizeBytes))
    props.chunks = { count: chunkCount, maxChunkSizeBytes };
  return props;
}

/** `key=value` pairs, one per header value; a value may itself contain `=`. */
export function parseCustomMetadata(values: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) continue;
    metadata[value.slice(0, separator)] = value.slice(separator + 1);
  }
  return metadata;
}

function erasureCodingFromHeaders(
  text: (name: string) => string | undefined,
): ErasureCodingProps | undefined {
  const data = Number(text(Header.erasureData));
  const parity = Number(text(Header.erasureParity));
  if (!Number.isSafeInteger(data) || !Number.isSafeInteger(parity)) return undefined;
  const pieces = (text(Header.erasureSlices) ?? '')
    .split(',')
    .map((entry) => /^(\d+)=t\[(.+)\]$/.exec(entry.trim()))
    .filter((match) => match !== null)
    .map((match) => ({ sliceId: Number(match[1]), target: match[2] ?? '' }));
  return {
    dataSlices: data,
    paritySlices: parity,
    generation: text(Header.erasureGeneration) ?? '',
    replicated: text(Header.erasureReplicated) === 'true',
    pieces,
  };
}

function bucketFromHeaders(
  text: (name: string) => string | undefined,
  requested: BucketJson,
): BucketJson {
  const name = text(Header.bucketName);
  if (name === undefined || name === requested.name) return requested;
  return { name, provider: text(Header.bucketProvider) ?? requested.provider };
}

/** Total size: from `Content-Range: bytes a-b/total` on a range read, else Content-Length. */
function objectSize(headers: IncomingHttpHeaders): number {
  const range = headerValue(headers, Header.contentRange);
  const total = range === undefined ? undefined : /\/(\d+)\s*$/.exec(range)?.[1];
  const text = total ?? headerValue(headers, Header.contentLength);
  const size = Number(text ?? Number.NaN);
  return Number.isSafeInteger(size) && size >= 0 ? size : -1;
}

function parseNanoseconds(text: string | undefined): bigint {
  if (text === undefined || !/^-?\d+$/.test(text)) return 0n;
  return BigInt(text);
}
