// Object properties as response headers: V1 (every non-empty property) and V2 (`props=` selection).
import type { ServerResponse } from 'node:http';
import type { RequestContext } from '../common/request-context.js';
import { Header, ObjectProp } from '../../wire/index.js';
import type { ObjectInfo } from './ports.js';

/** `t[<node>]:<mountpath>`, AIStore's location form. */
export function objectLocation(nodeId: string, info: ObjectInfo): string {
  return `t[${nodeId}]:${info.mountpath}`;
}

/** Writes the headers of a HEAD V1 (all) or V2 (`selected` properties) response. */
export function setObjectHeaders(
  res: ServerResponse,
  info: ObjectInfo,
  nodeId: string,
  selected?: ReadonlySet<string>,
): void {
  const want = (prop: string): boolean => selected === undefined || selected.has(prop);
  res.setHeader(Header.contentLength, info.size);
  res.setHeader(Header.present, info.present === false ? 'false' : 'true');
  if (want(ObjectProp.checksum) && info.checksum.type !== 'none') {
    res.setHeader(Header.checksumType, info.checksum.type);
    res.setHeader(Header.checksumValue, info.checksum.value);
  }
  if (want(ObjectProp.atime) && info.accessTimeNs !== 0n)
    res.setHeader(Header.accessTime, nanosecondsText(info.accessTimeNs));
  if (want(ObjectProp.version) && info.version !== undefined)
    res.setHeader(Header.version, info.version);
  if (want(ObjectProp.custom)) {
    const pairs = Object.entries(info.customMetadata).map(([key, value]) => `${key}=${value}`);
    if (pairs.length > 0) res.setHeader(Header.customMetadata, pairs);
  }
  if (want(ObjectProp.name)) res.setHeader(Header.objectName, headerSafeName(info.name));
  if (selected === undefined) {
    res.setHeader(Header.bucketName, info.bucket.name);
    res.setHeader(Header.bucketProvider, info.bucket.provider);
  }
  if (want(ObjectProp.location)) res.setHeader(Header.location, objectLocation(nodeId, info));
  if (want(ObjectProp.copies)) {
    res.setHeader(Header.mirrorCopies, String(info.copies.length + 1));
    if (info.copies.length > 0) res.setHeader(Header.mirrorPaths, info.copies.join(','));
  }
  if (want(ObjectProp.lastModified))
    res.setHeader(Header.lastModified, httpDate(info.modifiedTimeMs));
  // V1 sends a stored ETag only (AIStore: the custom one); V2 `etag` derives one if need be.
  const etag = selected === undefined ? info.etag : etagOf(info);
  if (want(ObjectProp.etag) && etag !== undefined && etag !== '')
    res.setHeader(Header.etag, `"${etag}"`);
  if (selected?.has(ObjectProp.chunked) === true && info.chunks !== undefined) {
    res.setHeader(Header.chunksCount, String(info.chunks.count));
    res.setHeader(Header.chunksMaxChunkSize, String(info.chunks.maxChunkSizeBytes));
  }
  const ec = info.erasureCoding;
  if (want(ObjectProp.ec) && ec !== undefined) {
    res.setHeader(Header.erasureData, String(ec.dataSlices));
    res.setHeader(Header.erasureParity, String(ec.paritySlices));
    res.setHeader(Header.erasureGeneration, String(ec.generation));
    res.setHeader(Header.erasureReplicated, String(ec.replicated));
    const pieces = Object.entries(ec.nodes).sort(([, left], [, right]) => left - right);
    res.setHeader(Header.erasureSlices, pieces.map(([id, slice]) => `${slice}=t[${id}]`).join(','));
  }
}

/**
 * AIStore's ETag of an object (`core/lom.go` `ETag`, unquoted): the stored one (S3 writes and
 * multipart completions); else an MD5 content checksum; else `v1-<checksum>-<mtime ns, base 36>`;
 * none without a checksum.
 */
export function etagOf(info: ObjectInfo): string | undefined {
  if (info.etag !== undefined && info.etag !== '') return info.etag;
  const { type, value } = info.checksum;
  if (type === 'none' || value === '') return undefined;
  if (type === 'md5') return value;
  return `v1-${value}-${(BigInt(info.modifiedTimeMs) * 1_000_000n).toString(36)}`;
}

/**
 * Headers of a GET response as a flat list (name, value, name, value...: a repeated name is one
 * line each), in the order they are sent: checksum (whole-object reads only), times, version,
 * custom metadata, and the body's `Content-Length` (and `Content-Range` for a range) last. The
 * list goes to `writeHead` as it is (a content hit: no `setHeader` per header) or through
 * `setGetHeaders`.
 */
export function getHeaderList(
  info: ObjectInfo,
  range: { start: number; end: number } | undefined,
): string[] {
  const list: string[] = [];
  if (range === undefined && info.checksum.type !== 'none')
    list.push(Header.checksumType, info.checksum.type, Header.checksumValue, info.checksum.value);
  list.push(Header.accessTime, nanosecondsText(info.accessTimeNs));
  if (info.version !== undefined) list.push(Header.version, info.version);
  const custom = info.customMetadata;
  for (const key of Object.keys(custom)) list.push(Header.customMetadata, `${key}=${custom[key]}`);
  list.push(
    Header.lastModified,
    httpDate(info.modifiedTimeMs),
    Header.acceptRanges,
    'bytes',
    Header.contentType,
    'application/octet-stream',
  );
  if (range === undefined) list.push(Header.contentLength, String(info.size));
  else
    list.push(
      Header.contentLength,
      String(range.end - range.start + 1),
      Header.contentRange,
      `bytes ${range.start}-${range.end}/${info.size}`,
    );
  return list;
}

/**
 * Sets the headers of `getHeaderList` on `res` one by one (a repeated name becomes one header of
 * several values): for an answer that may still turn into an error answer before its first byte.
 */
export function setGetHeaders(res: ServerResponse, list: readonly string[]): void {
  for (let index = 0; index < list.length; index += 2) {
    const name = list[index] as string;
    const value = list[index + 1] as string;
    if (name === Header.customMetadata && res.hasHeader(name)) res.appendHeader(name, value);
    else res.setHeader(name, value);
  }
}

/**
 * The HTTP date of `ms`; the last one is kept: repeated reads of one object (a hot small object
 * is read thousands of times a second) format its modification time once.
 */
let lastDate = { ms: Number.NaN, text: '' };
function httpDate(ms: number): string {
  if (ms !== lastDate.ms) lastDate = { ms, text: new Date(ms).toUTCString() };
  return lastDate.text;
}

/**
 * The decimal text of a time in nanoseconds; the last one is kept: a hot object's reads (content
 * hits) send its one access time thousands of times a second, and a BigInt's `String` takes
 * about 55 ns (docs/profiling.md).
 */
let lastNanoseconds = { ns: -1n, text: '-1' };
function nanosecondsText(ns: bigint): string {
  if (ns !== lastNanoseconds.ns) lastNanoseconds = { ns, text: String(ns) };
  return lastNanoseconds.text;
}

/** The name as AIStore sends it (raw); percent-encoded only when it cannot travel in a header. */
function headerSafeName(name: string): string {
  return /^[\x20-\x7e]*$/.test(name) ? name : encodeURIComponent(name);
}

/**
 * Answers bytes already in memory (a content hit, an indexed file of a shard): the head as one
 * list (`headers`, names and values in turn, Content-Length among them) and the bytes in one
 * `end`, since nothing can fail between them. A response already closed (the client hung up) is an
 * error for the caller's `catch`, nothing written.
 */
export function answerFromMemory(
  context: RequestContext,
  status: number,
  headers: readonly string[],
  bytes: Buffer,
): void {
  const { res } = context;
  if (res.destroyed || res.writableEnded) throw new Error('destination closed');
  context.answerLength = bytes.length;
  res.writeHead(status, headers as string[]);
  if (bytes.length > 0) res.end(bytes);
  else res.end();
}
