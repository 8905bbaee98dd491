// Unit test: a holder's answer to a stored piece is checked the same way whether it came as a
// piece stream's ack or as the `/v1/ec` PUT's answer; a malformed one fails that piece with a typed
// error, and the next piece on the same stream goes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import type { ClusterNode } from '../../cluster/index.js';
import { isStoreError } from '../../errors/index.js';
import type { IntraClient, IntraStreamClient, PieceStreams } from '../../transport/index.js';
import { erasureMetadataVersion, type ErasureMetadataJson } from '../../wire/index.js';
import type { LocalPieces } from './local-pieces.js';
import { PiecePeers } from './peers.js';

const holder = { id: 'holder', dataUrl: 'http://127.0.0.1:1' } as ClusterNode;
const bucket = { name: 'b', provider: 'ais' } as const;
const metadata: ErasureMetadataJson = {
  md_version: erasureMetadataVersion,
  name: 'obj',
  obj_size: 4,
  generation: 1,
  obj_cksum: 'abc',
  cksum_type: 'xxhash',
  obj_version: '1',
  slice_cksum: '',
  nodes: { owner: 0, holder: 1 },
  data_slices: 1,
  parity_slices: 1,
  slice_id: 1,
  is_copy: false,
  slice_size: 4,
  stripe_size: 4,
  custom_md: {},
};

const good = { slice_cksum: 'c0ffee', size: 4 };
const malformed: unknown[] = [
  {},
  { slice_cksum: 7, size: 4 },
  { slice_cksum: 'c0ffee', size: -1 },
  { slice_cksum: 'c0ffee', size: '4' },
  'stored',
  null,
  [],
];

/** Peers whose piece stream acks, and whose uploads answer, with the next of `answers`. */
function peersAnswering(answers: unknown[]): PiecePeers {
  const next = (): Promise<unknown> => Promise.resolve(answers.shift());
  const pieceStreams = { send: next } as unknown as PieceStreams;
  const streams = { upload: next } as unknown as IntraStreamClient;
  return new PiecePeers('owner', {} as LocalPieces, {} as IntraClient, streams, pieceStreams, {
    controlMs: 1000,
    dataMs: 1000,
  });
}

const isMalformedAnswer = (error: unknown): boolean =>
  isStoreError(error) && error.code === 'Internal' && /malformed answer/.test(error.message);

const bodies: Array<[string, () => Buffer | Readable]> = [
  // A piece held whole goes on the piece stream; a streamed one as its own upload.
  ['a piece stream ack', () => Buffer.from('data')],
  ['an upload answer', () => Readable.from([Buffer.from('data')])],
];
for (const [path, body] of bodies) {
  test(`${path}: a malformed one fails the piece, a good one is taken`, async () => {
    for (const answer of malformed) {
      const peers = peersAnswering([answer, good]);
      await assert.rejects(
        peers.send(holder, bucket, metadata, body(), 4),
        isMalformedAnswer,
        JSON.stringify(answer),
      );
      assert.deepEqual(await peers.send(holder, bucket, metadata, body(), 4), good);
    }
  });
}
