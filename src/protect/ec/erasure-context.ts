// What the EC operations of a target share: its store and pieces, its peers, the cluster map.
import type { ClusterMap } from '../../cluster/index.js';
import { StoreError } from '../../errors/index.js';
import type { LocalStore } from '../../storage/index.js';
import type { Logger } from '../../util/log.js';
import type { LocalPieces } from './local-pieces.js';
import type { PiecePeers } from './peers.js';
import { ReedSolomonCodec } from './reed-solomon.js';

export interface ErasureContext {
  readonly nodeId: string;
  readonly store: LocalStore;
  readonly pieces: LocalPieces;
  readonly peers: PiecePeers;
  readonly log: Logger;
  clusterMap(): ClusterMap | undefined;
}

/** The current cluster map; ClusterNotReady before the first one arrived. */
export function requireClusterMap(context: ErasureContext): ClusterMap {
  const map = context.clusterMap();
  if (map === undefined) throw new StoreError('ClusterNotReady', 'no cluster map yet');
  return map;
}

const codecs = new Map<string, ReedSolomonCodec>();

/** A codec for D+P, created once (its tables are reused by every encoding). */
export function codecFor(dataSlices: number, paritySlices: number): ReedSolomonCodec {
  const key = `${dataSlices}+${paritySlices}`;
  let codec = codecs.get(key);
  if (codec === undefined) {
    codec = new ReedSolomonCodec(dataSlices, paritySlices);
    codecs.set(key, codec);
  }
  return codec;
}
