// The request kinds a chaos run sends, built from a seeded PRNG: native and S3 object reads and
// writes, copies, listings, job and cluster calls, oversized documents; each to a gateway or a
// target (the owner, or one that redirects or forwards), with a point at which the client hangs up.
import { createHash } from 'node:crypto';
import type { NodeProcess } from '../harness/node-process.js';
import type { Prng } from '../harness/prng.js';
import { signedChunkedBody, signedHeaders } from '../harness/s3-signer.js';
import { contentOf, type IntendedContents } from './chaos-content.js';
import { chunkEncoded, type AbortPoint, type HangUp, type RawRequest } from './raw-exchange.js';

export interface StoredObject {
  bucket: string;
  name: string;
  /** Content ID: the bytes are `contentOf(id, length)`. */
  id: string;
  length: number;
}

export interface ChaosWorld {
  gateways: readonly NodeProcess[];
  targets: readonly NodeProcess[];
  nativeBucket: string;
  s3Bucket: string;
  /** Objects written before the chaos and never written during it. */
  stable: readonly StoredObject[];
  /** Names the chaos writes to (the same names in both buckets). */
  victims: readonly string[];
  ownerOf(bucket: string, name: string): NodeProcess;
  contents: IntendedContents;
}

export interface PlannedRequest {
  kind: string;
  point: AbortPoint;
  hangUp: HangUp;
  /** Builds the request when it is sent (S3 signatures carry the time). */
  build(): Promise<RawRequest>;
}

const kib = 1024;
const mib = 1024 * kib;

export const baseUrlOf = (node: NodeProcess): string => `http://127.0.0.1:${node.port}`;

export function contentMd5(data: Buffer): string {
  return createHash('md5').update(data).digest('base64');
}

/** A node to send an object request to: the owner, a gateway, or another target. */
function objectNode(world: ChaosWorld, rng: Prng, bucket: string, name: string): NodeProcess {
  const owner = world.ownerOf(bucket, name);
  const where = rng.weighted([
    ['owner', 5],
    ['gateway', 3],
    ['other', 2],
  ] as const);
  if (where === 'owner') return owner;
  if (where === 'gateway') return rng.pick(world.gateways);
  return rng.pick(world.targets.filter((target) => target !== owner));
}

/** A stable object to read: a large one (streamed from its file) about a third of the time. */
function readable(world: ChaosWorld, rng: Prng, bucket: string): StoredObject {
  const candidates = world.stable.filter((item) => item.bucket === bucket);
  const large = candidates.filter((item) => item.length > mib);
  return rng.pick(large.length > 0 && rng.chance(0.35) ? large : candidates);
}

function writeLength(rng: Prng): number {
  return rng.weighted([
    [rng.int(64, 16 * kib), 6],
    [rng.int(16 * kib, 512 * kib), 3],
    [rng.int(512 * kib, 3 * mib), 1],
  ] as const);
}

function rangeHeader(rng: Prng, length: number): string | undefined {
  if (!rng.chance(0.3)) return undefined;
  const start = rng.int(0, length - 1);
  return rng.chance(0.2)
    ? `bytes=-${rng.int(1, length)}`
    : `bytes=${start}-${rng.int(start, length - 1)}`;
}

function abortPoint(rng: Prng, hasBody: boolean, answerBytes: number): AbortPoint {
  const at = rng.weighted(
    hasBody
      ? ([
          ['head', 1],
          ['body', 3],
          ['continue', 1.5],
          ['sent', 1.5],
          ['response', 2],
          ['stalled', 1],
        ] as const)
      : ([
          ['head', 2],
          ['sent', 3],
          ['response', 4],
          ['stalled', 1.5],
        ] as const),
  );
  switch (at) {
    case 'head':
      return { at, fraction: rng.float() };
    case 'body':
    case 'continue':
      return { at, fraction: rng.float() };
    case 'sent':
      return { at, delayMs: rng.chance(0.5) ? 0 : rng.int(1, 40) };
    case 'response':
      return { at, bytes: rng.int(0, Math.max(1, answerBytes)) };
    case 'stalled':
      return { at, stallMs: rng.int(10, 250) };
  }
}

function hangUpOf(rng: Prng): HangUp {
  return rng.weighted([
    ['fin', 3],
    ['destroy', 3],
    ['reset', 4],
  ] as const);
}

const withHost = (node: NodeProcess, headers: Record<string, string>): Record<string, string> => ({
  host: `127.0.0.1:${node.port}`,
  ...headers,
});

/** A signed S3 request as the AWS SDK would send it (UNSIGNED-PAYLOAD unless `payloadHash`). */
async function s3Request(
  node: NodeProcess,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
  payloadHash?: string,
): Promise<RawRequest> {
  const signed = await signedHeaders(baseUrlOf(node), method, path, headers, payloadHash);
  if (body !== undefined) signed['content-length'] = String(body.length);
  return {
    port: node.port,
    method,
    path,
    headers: signed,
    ...(body === undefined ? {} : { body }),
  };
}

type Planner = (world: ChaosWorld, rng: Prng, serial: number) => PlannedRequest;

const plan = (
  rng: Prng,
  kind: string,
  hasBody: boolean,
  answerBytes: number,
  build: (point: AbortPoint) => Promise<RawRequest>,
): PlannedRequest => {
  const point = abortPoint(rng, hasBody, answerBytes);
  const hangUp = hangUpOf(rng);
  return {
    kind,
    point,
    hangUp,
    build: async () => {
      const request = await build(point);
      if (point.at === 'continue') request.headers['expect'] = '100-continue';
      return request;
    },
  };
};

const nativeGet: Planner = (world, rng) => {
  const object = readable(world, rng, world.nativeBucket);
  const node = objectNode(world, rng, object.bucket, object.name);
  const range = rangeHeader(rng, object.length);
  const method = rng.chance(0.15) ? 'HEAD' : 'GET';
  return plan(
    rng,
    `native ${method}${range === undefined ? '' : ' range'}`,
    false,
    object.length,
    () =>
      Promise.resolve({
        port: node.port,
        method,
        path: `/v1/objects/${object.bucket}/${object.name}`,
        headers: withHost(node, range === undefined ? {} : { range }),
      }),
  );
};

const nativePut: Planner = (world, rng, serial) => {
  const name = rng.pick(world.victims);
  const length = writeLength(rng);
  const id = `np${serial}`;
  world.contents.allow(`${world.nativeBucket}/${name}`, id, length);
  const node = objectNode(world, rng, world.nativeBucket, name);
  const chunked = rng.chance(0.3);
  return plan(rng, `native PUT${chunked ? ' chunked' : ''}`, true, 300, () => {
    const data = contentOf(id, length);
    const body = chunked ? chunkEncoded(data, 64 * kib) : data;
    return Promise.resolve({
      port: node.port,
      method: 'PUT',
      path: `/v1/objects/${world.nativeBucket}/${name}`,
      headers: withHost(
        node,
        chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(length) },
      ),
      body,
    });
  });
};

const nativeList: Planner = (world, rng) => {
  const node = rng.chance(0.7) ? rng.pick(world.gateways) : rng.pick(world.targets);
  const bucket = rng.pick([world.nativeBucket, world.s3Bucket]);
  const message = {
    action: 'list',
    value: { props: 'name,size,checksum,version,atime', pagesize: rng.int(1, 1000) },
  };
  return plan(rng, 'native list', true, 20 * kib, () => {
    const body = Buffer.from(JSON.stringify(message));
    return Promise.resolve({
      port: node.port,
      method: 'GET',
      path: `/v1/buckets/${bucket}`,
      headers: withHost(node, {
        'content-type': 'application/json',
        'content-length': String(body.length),
      }),
      body,
    });
  });
};

/** Job and cluster calls: delete-listrange of victims, job status fan-outs, cluster queries. */
const nativeControl: Planner = (world, rng) => {
  const gateway = rng.pick(world.gateways);
  const call = rng.weighted([
    ['delete-listrange', 2],
    ['getxstats', 1],
    ['status_all', 1],
    ['cluster', 2],
  ] as const);
  let method = 'GET';
  let path: string;
  let message: unknown;
  let node = gateway;
  switch (call) {
    case 'delete-listrange': {
      method = 'DELETE';
      path = `/v1/buckets/${world.nativeBucket}`;
      const names = Array.from({ length: rng.int(1, 4) }, () => rng.pick(world.victims));
      message = { action: 'delete-listrange', value: { objnames: names } };
      break;
    }
    case 'getxstats':
      path = '/v1/cluster?what=getxstats';
      message = { kind: 'delete-listrange' };
      break;
    case 'status_all':
      path = '/v1/cluster?what=status_all';
      message = { kind: 'delete-listrange' };
      break;
    case 'cluster': {
      node = rng.chance(0.5) ? gateway : rng.pick(world.targets);
      const what = rng.pick(['smap', 'bmd', 'node_status', 'config', 'snode', 'mountpaths']);
      path = `/v1/${rng.pick(['cluster', 'daemon'])}?what=${what}`;
      message = undefined;
      break;
    }
  }
  return plan(rng, `native ${call}`, message !== undefined, 4 * kib, () => {
    const body = message === undefined ? undefined : Buffer.from(JSON.stringify(message));
    return Promise.resolve({
      port: node.port,
      method,
      path,
      headers: withHost(
        node,
        body === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': String(body.length) },
      ),
      ...(body === undefined ? {} : { body }),
    });
  });
};

/** A JSON body beyond the 4 MiB limit (sometimes chunked, so no length announces it). */
const nativeOversizedJson: Planner = (world, rng) => {
  const node = rng.chance(0.6) ? rng.pick(world.gateways) : rng.pick(world.targets);
  const chunked = rng.chance(0.4);
  const bytes = rng.int(4 * mib + 1, 5 * mib);
  const method = rng.pick(['GET', 'DELETE', 'POST']);
  return plan(rng, `native oversized JSON${chunked ? ' chunked' : ''}`, true, 500, () => {
    const text = `{"action":"list","value":{"prefix":"${'p'.repeat(bytes)}"}}`;
    const data = Buffer.from(text);
    return Promise.resolve({
      port: node.port,
      method,
      path: `/v1/buckets/${world.nativeBucket}`,
      headers: withHost(node, {
        'content-type': 'application/json',
        ...(chunked
          ? { 'transfer-encoding': 'chunked' }
          : { 'content-length': String(data.length) }),
      }),
      body: chunked ? chunkEncoded(data, 256 * kib) : data,
    });
  });
};

const s3Get: Planner = (world, rng) => {
  const object = readable(world, rng, world.s3Bucket);
  const node = objectNode(world, rng, object.bucket, object.name);
  const range = rangeHeader(rng, object.length);
  const method = rng.chance(0.15) ? 'HEAD' : 'GET';
  return plan(rng, `s3 ${method}${range === undefined ? '' : ' range'}`, false, object.length, () =>
    s3Request(
      node,
      method,
      `/${object.bucket}/${object.name}`,
      range === undefined ? {} : { range },
    ),
  );
};

const s3Put: Planner = (world, rng, serial) => {
  const name = rng.pick(world.victims);
  const length = writeLength(rng);
  const id = `sp${serial}`;
  world.contents.allow(`${world.s3Bucket}/${name}`, id, length);
  const node = objectNode(world, rng, world.s3Bucket, name);
  const chunked = rng.chance(0.4);
  const path = `/${world.s3Bucket}/${name}`;
  return plan(rng, `s3 PUT${chunked ? ' aws-chunked' : ''}`, true, 300, async () => {
    const data = contentOf(id, length);
    if (!chunked) return s3Request(node, 'PUT', path, {}, data);
    const headers = await signedHeaders(
      baseUrlOf(node),
      'PUT',
      path,
      { 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': String(length) },
      'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
    );
    const seed = /Signature=(\w+)/.exec(headers['authorization'] ?? '')?.[1] ?? '';
    const pieces: Buffer[] = [];
    for (let offset = 0; offset < length; offset += 64 * kib)
      pieces.push(data.subarray(offset, offset + 64 * kib));
    const body = signedChunkedBody(seed, headers['x-amz-date'] ?? '', pieces);
    headers['content-length'] = String(body.length);
    return { port: node.port, method: 'PUT', path, headers, body };
  });
};

/**
 * CopyObject to a victim from a stable object held by the same target or another one; some with a
 * failing `x-amz-copy-source-if-match`, so the source is abandoned after it was opened.
 */
const s3Copy: Planner = (world, rng) => {
  const name = rng.pick(world.victims);
  const owner = world.ownerOf(world.s3Bucket, name);
  const local = rng.chance(0.5);
  const sources = world.stable.filter(
    (item) =>
      item.bucket === world.s3Bucket && (world.ownerOf(item.bucket, item.name) === owner) === local,
  );
  const largeFirst = sources.filter((item) => item.length > mib);
  const source = rng.pick(largeFirst.length > 0 && rng.chance(0.6) ? largeFirst : sources);
  const failing = rng.chance(0.35);
  if (!failing) world.contents.allow(`${world.s3Bucket}/${name}`, source.id, source.length);
  const node = rng.chance(0.5) ? owner : rng.pick(world.gateways);
  const headers: Record<string, string> = {
    'x-amz-copy-source': `/${source.bucket}/${source.name}`,
  };
  if (failing) headers['x-amz-copy-source-if-match'] = '"0123456789abcdef0123456789abcdef"';
  const kind = `s3 copy ${local ? 'local' : 'cross'}${failing ? ' if-match-fails' : ''}`;
  return plan(rng, kind, false, 400, () =>
    s3Request(node, 'PUT', `/${world.s3Bucket}/${name}`, headers),
  );
};

const s3List: Planner = (world, rng) => {
  const node = rng.chance(0.85) ? rng.pick(world.gateways) : rng.pick(world.targets);
  const version = rng.chance(0.8) ? 'list-type=2&' : '';
  const query = `${version}max-keys=${rng.int(1, 1000)}${rng.chance(0.3) ? '&prefix=stable' : ''}`;
  return plan(rng, `s3 list${version === '' ? ' v1' : ''}`, false, 40 * kib, () =>
    s3Request(node, 'GET', `/${world.s3Bucket}?${query}`, {}),
  );
};

/** DeleteObjects and CompleteMultipartUpload documents beyond the 2 MiB limit (never valid). */
const s3OversizedXml: Planner = (world, rng) => {
  const node = rng.chance(0.7) ? rng.pick(world.gateways) : rng.pick(world.targets);
  const complete = rng.chance(0.4);
  const bytes = rng.int(2 * mib + 1, 3 * mib);
  const path = complete
    ? `/${world.s3Bucket}/${rng.pick(world.victims)}?uploadId=nosuchupload`
    : `/${world.s3Bucket}?delete`;
  return plan(rng, `s3 oversized XML ${complete ? 'complete' : 'delete'}`, true, 500, () => {
    const root = complete ? 'CompleteMultipartUpload' : 'Delete';
    const data = Buffer.from(`<${root}><!--${'x'.repeat(bytes)}--></${root}>`);
    return s3Request(node, 'POST', path, { 'content-md5': contentMd5(data) }, data);
  });
};

/** Planners with their weights in the mix. */
export const planners: readonly (readonly [Planner, number])[] = [
  [nativeGet, 5],
  [nativePut, 4],
  [nativeList, 2],
  [nativeControl, 2],
  [nativeOversizedJson, 1],
  [s3Get, 5],
  [s3Put, 4],
  [s3Copy, 3],
  [s3List, 2],
  [s3OversizedXml, 1.5],
];

/** `count` planned requests, the same list for the same PRNG state. */
export function planRequests(
  world: ChaosWorld,
  rng: Prng,
  count: number,
  firstSerial: number,
): PlannedRequest[] {
  return Array.from({ length: count }, (_, index) =>
    rng.weighted(planners)(world, rng, firstSerial + index),
  );
}
