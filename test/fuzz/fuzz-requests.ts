// Seeded hostile requests for both APIs: malformed methods; paths with traversal, NUL, overlong
// and invalid UTF-8 parts; oversized, duplicated and contradictory headers; truncated, endless and
// malformed bodies. Every request is bytes on the wire (no HTTP client would send most of them).
//
// What the generator never does is ask for something legitimately destructive outside its own
// bucket: the native API has no authentication yet, so a well-formed `DELETE` of a stable object
// or a cluster `shutdown` would be obeyed, and that is not a finding. Paths name the `fuzz`
// bucket (or garbage); JSON actions come from a list without cluster-wide ones. A traversal that
// reaches another bucket or the file system anyway is exactly what the test looks for.
import type { Prng } from '../harness/prng.js';

export const fuzzBucket = 'fuzz';

/** How the body goes on the wire. */
export type BodyMode =
  | { kind: 'none' }
  | { kind: 'whole'; bytes: Buffer }
  /** Content-Length promises more than is sent; the client then hangs up. */
  | { kind: 'truncated'; bytes: Buffer; declared: number }
  /** Chunked, never ending: chunks until the server answers or closes, at most `maxBytes`. */
  | { kind: 'endless'; maxBytes: number }
  /** Raw bytes after the head, framing as broken as they are. */
  | { kind: 'raw'; bytes: Buffer };

export interface FuzzRequest {
  /** The request head, bytes as sent (latin1: any byte is possible). */
  head: Buffer;
  body: BodyMode;
  /** One line for a failure report. */
  summary: string;
}

const methods: readonly (readonly [string, number])[] = [
  ['GET', 20],
  ['HEAD', 8],
  ['PUT', 20],
  ['POST', 14],
  ['DELETE', 8],
  ['PATCH', 6],
  ['OPTIONS', 2],
  ['TRACE', 1],
  ['PROPFIND', 1],
  ['get', 1],
  ['G\u0000ET', 1],
  ['FOO', 1],
  ['A'.repeat(300), 1],
];

const routes = [
  '/v1/objects/{b}/{o}',
  '/v1/objects/{b}',
  '/v1/buckets/{b}',
  '/v1/buckets',
  '/v1/buckets/{b}/{o}',
  '/v1/cluster',
  '/v1/daemon',
  '/v1/health',
  '/v1/sort',
  '/v1/etl',
  '/v1/etl/{o}',
  '/v1/ml/moss/{b}',
  '/v1/ec/{b}/{o}',
  '/v1/reverse/daemon',
  '/v1/download',
  '/v1/tokens',
  '/v1/{o}',
  '/s3/{b}/{o}',
  '/{b}/{o}',
  '/{b}',
  '/',
  '{o}',
  '*',
];

const queryNames = [
  'provider',
  'namespace',
  'what',
  'props',
  'archpath',
  'archregx',
  'archmime',
  'etl_name',
  'etl_args',
  'latest-ver',
  'uploadId',
  'partNumber',
  'uploads',
  'versionId',
  'versioning',
  'list-type',
  'max-keys',
  'continuation-token',
  'prefix',
  'delimiter',
  'object_to',
  'append_type',
  'handle',
  'tagging',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Signature',
  'X-Amz-Expires',
  'X-Amz-Date',
  'fltPresence',
  'uuid',
  'dont_add_remote_bck_md',
  '\u0000',
  '%zz',
  'x'.repeat(2000),
];

const garbageValues = [
  '',
  'true',
  '-1',
  '0',
  '99999999999999999999999',
  'x'.repeat(3000),
  '%zz',
  '%00',
  '%ff%fe',
  '../../..',
  '{"a":',
  'ais://fuzz',
  'aws://stable',
];

export interface FuzzSetup {
  /** A token in every traversal payload: a file named with it outside a mountpath is a breach. */
  canary: string;
}

function objectName(rng: Prng, setup: FuzzSetup): string {
  const { canary } = setup;
  return rng.pick([
    'obj',
    `dir/obj-${rng.int(0, 99)}`,
    `${'../'.repeat(rng.int(1, 12))}tmp/${canary}`,
    `${'%2e%2e/'.repeat(rng.int(1, 12))}${canary}`,
    `${'..%2f'.repeat(rng.int(1, 12))}${canary}`,
    `x/${'..%5c'.repeat(6)}${canary}`,
    `%00${canary}`,
    `obj%00.tar`,
    'a'.repeat(rng.pick([256, 1025, 5000, 70_000])),
    `${'d/'.repeat(rng.int(100, 600))}${canary}`,
    '%ff%fe%fd',
    '%c0%ae%c0%ae/%c0%ae%c0%ae/' + canary,
    '.',
    '..',
    '...',
    '~',
    'obj?x=1',
    'obj#frag',
    '\u00e9t\u00e9',
    String.fromCharCode(0x80, 0x9f, 0xff) + canary,
    ' leading space',
    `${canary};versionId`,
  ]);
}

function bucketName(rng: Prng): string {
  return rng.weighted([
    [fuzzBucket, 12],
    ['', 1],
    ['..', 1],
    ['%2e%2e', 1],
    ['UPPER', 1],
    ['b'.repeat(300), 1],
    ['fu%00zz', 1],
    ['@alias/x', 1],
    ['%ff', 1],
    ['nosuch-bucket', 2],
  ]);
}

function query(rng: Prng): string {
  const count = rng.weighted([
    [0, 6],
    [1, 3],
    [2, 2],
    [4, 1],
  ]);
  if (count === 0) return '';
  const parts: string[] = [];
  for (let index = 0; index < count; index += 1)
    parts.push(
      rng.chance(0.15)
        ? rng.pick(queryNames)
        : `${rng.pick(queryNames)}=${rng.pick(garbageValues)}`,
    );
  if (rng.chance(0.05)) parts.push('&&&==&');
  return `?${parts.join('&')}`;
}

function path(rng: Prng, setup: FuzzSetup): string {
  const route = rng.pick(routes);
  let text = route.replace('{b}', bucketName(rng)).replace('{o}', objectName(rng, setup));
  if (rng.chance(0.05)) text = text.replace(/\//g, '//');
  if (rng.chance(0.03)) text = `${text}/${'x'.repeat(rng.pick([9000, 70_000]))}`;
  return `${text}${query(rng)}`;
}

const jsonBodies = (rng: Prng, canary: string): string =>
  rng.pick([
    '{"action":',
    '{"action":"create-bck"',
    '{"action":123}',
    '{"action":"create-bck","value":[1,2,3]}',
    '{"action":"list","value":{"props":7,"pagesize":-1,"prefix":{"x":1}}}',
    '{"action":"list","value":{"pagesize":1e309}}',
    '{"action":"copy-bck","value":{"prefix":null},"name":42}',
    '{"action":"archive","value":{"objnames":"x","archname":"../../' + canary + '.tar"}}',
    '{"action":"promote","value":{"src":"/etc","objname":"' + canary + '"}}',
    '{"action":"evict-listrange","value":{"template":"{0..99999999999}"}}',
    '{"action":"delete-listrange","value":{"template":"obj-{0..999999999}"}}',
    '{"action":"bogus"}',
    '{"action":""}',
    '[' + '['.repeat(20_000) + ']'.repeat(20_000) + ']',
    '{"a":"' + 'x'.repeat(200_000) + '"}',
    '\u0000\u0001\u0002',
    'null',
    '"string"',
    '{"__proto__":{"polluted":true},"action":"create-bck"}',
    '{"in_objs":[{"objname":"' + canary + '","archpath":"../../x"}],"mime":"bogus"}',
    '{"extract":{"format":"x"},"input_bck":{"name":"' +
      fuzzBucket +
      '"},"output_format":"{0..9999999999}"}',
  ]);

const xmlBodies = (rng: Prng): string =>
  rng.pick([
    '<CompleteMultipartUpload><Part><PartNumber>1',
    '<CompleteMultipartUpload><Part><PartNumber>-1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>',
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><Delete><Object><Key>&lol3;</Key></Object></Delete>',
    '<Delete>' + '<Object><Key>k</Key></Object>'.repeat(5000) + '</Delete>',
    '<Tagging><TagSet><Tag><Key></Key><Value>' +
      'v'.repeat(10_000) +
      '</Value></Tag></TagSet></Tagging>',
    '<' + 'a>'.repeat(50_000),
    '<VersioningConfiguration><Status>Maybe</Status></VersioningConfiguration>',
    '\u00ff\u00fe<\u0000>',
  ]);

function bodyMode(rng: Prng, canary: string): BodyMode {
  const kind = rng.weighted([
    ['none', 8],
    ['json', 5],
    ['xml', 3],
    ['random', 3],
    ['truncated', 2],
    ['endless', 1],
    ['raw', 2],
  ] as const);
  switch (kind) {
    case 'none':
      return { kind: 'none' };
    case 'json':
      return { kind: 'whole', bytes: Buffer.from(jsonBodies(rng, canary), 'latin1') };
    case 'xml':
      return { kind: 'whole', bytes: Buffer.from(xmlBodies(rng), 'latin1') };
    case 'random':
      return { kind: 'whole', bytes: randomBytes(rng, rng.pick([1, 100, 4096, 70_000])) };
    case 'truncated': {
      const bytes = randomBytes(rng, rng.int(0, 5000));
      return { kind: 'truncated', bytes, declared: bytes.length + rng.int(1, 1_000_000) };
    }
    case 'endless':
      return { kind: 'endless', maxBytes: rng.pick([256 * 1024, 2 * 1024 * 1024]) };
    case 'raw':
      return {
        kind: 'raw',
        bytes: Buffer.from(
          rng.pick([
            'zz\r\nabc\r\n0\r\n\r\n',
            '5\r\nabc\r\n0\r\n\r\n',
            '-1\r\n',
            'ffffffffffffffff\r\nx',
          ]),
          'latin1',
        ),
      };
  }
}

function randomBytes(rng: Prng, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let index = 0; index < length; index += 1) bytes[index] = rng.next() & 0xff;
  return bytes;
}

/** Header lines as [name, value]; may repeat names and contradict the framing. */
function headers(rng: Prng, body: BodyMode, host: string): [string, string][] {
  const lines: [string, string][] = [];
  if (!rng.chance(0.03)) lines.push(['Host', host]);
  if (rng.chance(0.03)) lines.push(['Host', 'evil.example']);
  const length =
    body.kind === 'whole'
      ? body.bytes.length
      : body.kind === 'truncated'
        ? body.declared
        : undefined;
  if (body.kind === 'endless' || (body.kind === 'raw' && rng.chance(0.8)))
    lines.push(['Transfer-Encoding', 'chunked']);
  else if (length !== undefined) lines.push(['Content-Length', String(length)]);
  const hostile = rng.weighted([
    [0, 5],
    [1, 3],
    [2, 1],
    [3, 1],
  ]);
  for (let index = 0; index < hostile; index += 1) lines.push(...hostileHeader(rng, length));
  lines.push(['Connection', 'close']);
  return lines;
}

function hostileHeader(rng: Prng, length: number | undefined): [string, string][] {
  const choice = rng.int(0, 16);
  switch (choice) {
    case 0:
      return [['Content-Length', String((length ?? 0) + 7)]];
    case 1:
      return [['Transfer-Encoding', rng.pick(['chunked', 'gzip, chunked', 'identity', 'x'])]];
    case 2:
      return [
        ['Content-Length', rng.pick(['-1', 'abc', '1e3', '99999999999999999999', ' 5', '0x10'])],
      ];
    case 3:
      return [['X-Fuzz', 'a'.repeat(rng.pick([8_000, 20_000, 70_000]))]];
    case 4:
      return Array.from({ length: rng.pick([120, 300]) }, (_, i): [string, string] => [
        `X-F${i}`,
        'v',
      ]);
    case 5:
      return [
        [
          'Authorization',
          rng.pick([
            'AWS4-HMAC-SHA256 Credential=',
            'AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=zz',
            'AWS4-HMAC-SHA256 Credential=cairnadmin/20260101/us-east-1/s3/aws4_request, SignedHeaders=, Signature=',
            'Bearer ' + 'x'.repeat(5000),
            'Bearer a.b.c',
            'AWS cairnadmin:c2ln',
            'Basic \u00ff\u00fe',
          ]),
        ],
      ];
    case 6:
      return [
        [
          'x-amz-content-sha256',
          rng.pick(['STREAMING-AWS4-HMAC-SHA256-PAYLOAD', 'UNSIGNED-PAYLOAD', 'zz']),
        ],
        ['x-amz-decoded-content-length', rng.pick(['-5', 'x', '99999999999999'])],
        ['x-amz-date', rng.pick(['20991301T250000Z', 'garbage', ''])],
      ];
    case 7:
      return [
        [
          'Range',
          rng.pick([
            'bytes=-0',
            'bytes=5-1',
            'bytes=99999999999999999999-',
            'bytes=' + '0-0,'.repeat(2000) + '1-1',
            'items=0-5',
            'bytes=--1',
          ]),
        ],
      ];
    case 8:
      return [
        ['Ais-Checksum-Type', rng.pick(['bogus', 'xxhash', 'md5', ''])],
        ['Ais-Checksum-Value', rng.pick(['zz', '0'.repeat(500), ''])],
      ];
    case 9:
      return [['Expect', rng.pick(['100-continue', 'garbage'])]];
    case 10:
      return [['X-Latin1', '\u00e9\u00ff\u0080']];
    case 11:
      return [['X-Ctl', 'a\u0001b']];
    case 12:
      return [
        [
          rng.pick(['If-Match', 'If-None-Match', 'If-Modified-Since', 'If-Unmodified-Since']),
          rng.pick(['*', 'garbage', '"x"', '']),
        ],
      ];
    case 13:
      return [
        [
          'x-amz-copy-source',
          rng.pick([
            '../../etc/passwd',
            '%ff',
            'fuzz-stable/obj-1',
            '/' + fuzzBucket + '/obj?versionId=%00',
          ]),
        ],
      ];
    case 14:
      return [
        [
          'Content-Type',
          rng.pick([
            'application/json; charset=zzz',
            'multipart/form-data; boundary=',
            'multipart/mixed',
            '\u00ff',
          ]),
        ],
      ];
    case 15:
      return [['Content-MD5', rng.pick(['zz', '', 'AAAAAAAAAAAAAAAAAAAAAA=='])]];
    default:
      return [['Ais-Node-Url', rng.pick(['http://127.0.0.1:1', 'file:///etc/passwd', '\u0000'])]];
  }
}

/** The `index`-th request of a run: method, path, headers and body. */
export function fuzzRequest(rng: Prng, setup: FuzzSetup, host: string): FuzzRequest {
  const method = rng.weighted(methods);
  const target = path(rng, setup);
  const body = bodyMode(rng, setup.canary);
  const lines = headers(rng, body, host);
  const version = rng.chance(0.02)
    ? rng.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'HTTP/9'])
    : 'HTTP/1.1';
  const headText = [
    `${method} ${target} ${version}`,
    ...lines.map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  const head = Buffer.from(`${headText}\r\n\r\n`, 'latin1');
  const names = lines
    .map(([name]) => name)
    .filter((name) => !['Host', 'Connection'].includes(name));
  const summary = `${method.slice(0, 20)} ${target.slice(0, 160)} [${[...new Set(names)].slice(0, 6).join(',')}] body=${body.kind}`;
  return { head, body, summary };
}
