// Talking to the targets that hold an object's EC pieces (`/v1/ec/...` on their intra-cluster
// port); requests addressed to this target itself go straight to its local pieces.
import { Readable } from 'node:stream';
import type { ClusterNode } from '../../cluster/index.js';
import { isStoreError } from '../../errors/index.js';
import {
  PieceStreamUnavailable,
  type IntraClient,
  type IntraStreamClient,
  type PieceStreams,
} from '../../transport/index.js';
import {
  apiPath,
  bucketQuery,
  ErasureWhat,
  Header,
  Query,
  Resource,
  type BucketJson,
  type ErasureMetadataJson,
  type StoredSliceJson,
} from '../../wire/index.js';
import { asRecord } from '../../util/json.js';
import { decodeErasureMetadata, decodeStoredSlice } from './ec-metadata.js';
import type { LocalPieces } from './local-pieces.js';

export interface PeerTimeouts {
  /** Small requests: metafiles, removals. */
  controlMs: number;
  /** A whole slice or replica upload; and the longest gap while reading a peer's piece. */
  dataMs: number;
}

/** A piece being read from its holder. */
export interface OpenPiece {
  metadata: ErasureMetadataJson;
  sizeBytes: number;
  body: Readable;
}

export class PiecePeers {
  constructor(
    private readonly nodeId: string,
    private readonly local: LocalPieces,
    private readonly client: IntraClient,
    private readonly streams: IntraStreamClient,
    private readonly pieceStreams: PieceStreams,
    private readonly timeouts: PeerTimeouts,
  ) {}

  /** The holder's metafile (undefined when it holds nothing); `verify` checks the piece's bytes. */
  async metadata(
    node: ClusterNode,
    bucket: BucketJson,
    name: string,
    verify: boolean,
  ): Promise<ErasureMetadataJson | undefined> {
    if (node.id === this.nodeId) return this.local.metadata(bucket, name, verify);
    const query = bucketQuery(bucket);
    query.set(Query.what, ErasureWhat.metadata);
    if (verify) query.set(Query.validateChecksum, 'true');
    try {
      const answer = await this.client.requestJson(this.#url(node, bucket, name, query), {
        method: 'GET',
        timeoutMs: verify ? this.timeouts.dataMs : this.timeouts.controlMs,
      });
      return decodeErasureMetadata(answer, `${bucket.name}/${name} from t[${node.id}]`);
    } catch (error) {
      if (isStoreError(error) && error.code === 'ObjectNotFound') return undefined;
      throw error;
    }
  }

  /** Opens the holder's piece (verified as it is sent: a corrupt one ends short). */
  async open(node: ClusterNode, bucket: BucketJson, name: string): Promise<OpenPiece> {
    if (node.id === this.nodeId) {
      const opened = await this.local.open(bucket, name);
      if (opened === undefined) throw new Error(`t[${node.id}] holds no piece of ${name}`);
      return {
        metadata: opened.metadata,
        sizeBytes: opened.read.body.length,
        body: opened.read.body.toStream(),
      };
    }
    const download = await this.streams.download(this.#url(node, bucket, name), {
      timeoutMs: this.timeouts.dataMs,
    });
    const text = download.headers[Header.erasureMetadata];
    const metadata = decodeErasureMetadata(
      typeof text === 'string' ? text : undefined,
      `${bucket.name}/${name} from t[${node.id}]`,
    );
    return { metadata, sizeBytes: download.contentLength, body: download.body };
  }

  /**
   * Stores a piece (or a main replica's metafile, with an empty body) on `node`: a piece held
   * whole goes on the peer's piece stream (resolving once the holder acknowledged it stored), a
   * streamed one as its own upload. A peer whose stream cannot be opened gets the upload.
   */
  async send(
    node: ClusterNode,
    bucket: BucketJson,
    metadata: ErasureMetadataJson,
    body: Readable | Buffer,
    sizeBytes: number,
  ): Promise<StoredSliceJson> {
    if (node.id === this.nodeId) {
      const stream = Buffer.isBuffer(body) ? Readable.from([body], { objectMode: false }) : body;
      return this.local.store(bucket, metadata, stream, sizeBytes);
    }
    if (Buffer.isBuffer(body)) {
      try {
        const header = { bucket, metadata };
        const ack = await this.pieceStreams.send(node.dataUrl, header, body, this.timeouts.dataMs);
        return decodeStoredSlice(ack, `t[${node.id}] ${bucket.name}/${metadata.name}`);
      } catch (error) {
        if (!(error instanceof PieceStreamUnavailable)) throw error;
      }
    }
    const answer = await this.streams.upload(this.#url(node, bucket, metadata.name), {
      body,
      contentLength: sizeBytes,
      headers: { [Header.erasureMetadata]: JSON.stringify(metadata) },
      timeoutMs: this.timeouts.dataMs,
    });
    return decodeStoredSlice(answer, `t[${node.id}] ${bucket.name}/${metadata.name}`);
  }

  /** Removes whatever `node` holds of the object. */
  async remove(node: ClusterNode, bucket: BucketJson, name: string): Promise<void> {
    if (node.id === this.nodeId) {
      await this.local.remove(bucket, name);
      return;
    }
    await this.client.requestJson(this.#url(node, bucket, name), {
      method: 'DELETE',
      timeoutMs: this.timeouts.controlMs,
    });
  }

  /**
   * Asks `node`, the owner of the object whose kept version `metadata` (a metafile held here)
   * describes, to make sure it has that version (see `DataProtection.ensureKept`).
   */
  async ensureKept(
    node: ClusterNode,
    bucket: BucketJson,
    name: string,
    metadata: ErasureMetadataJson,
  ): Promise<string> {
    const answer = await this.client.requestJson(this.#url(node, bucket, name), {
      method: 'POST',
      headers: { [Header.erasureMetadata]: JSON.stringify(metadata) },
      timeoutMs: this.timeouts.dataMs,
    });
    const outcome = asRecord(answer)?.outcome;
    return typeof outcome === 'string' ? outcome : 'unknown';
  }

  #url(node: ClusterNode, bucket: BucketJson, name: string, query = bucketQuery(bucket)): string {
    return `${node.dataUrl}${apiPath(Resource.erasureCoding, bucket.name, name)}?${query.toString()}`;
  }
}
