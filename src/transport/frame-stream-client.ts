// The sender's end of the piece streams: one long-lived connection per peer (an HTTP upgrade on
// its intra-cluster port) carries the pieces of many objects as frames; each send resolves when the
// holder acknowledges that piece as stored. A broken stream fails its pending pieces; the next send
// opens a new one (a restarted peer).
import type { Duplex } from 'node:stream';
import { Agent, upgrade, type buildConnector } from 'undici';
import { StoreError, isErrorCode } from '../errors/index.js';
import { asRecord } from '../util/json.js';
import { Header } from '../wire/index.js';
import { encodeFrameHead, FrameDecoder, FrameError, FrameKind, setFrameId } from './frame-codec.js';
import { pieceStreamPath, pieceStreamProtocol } from './frame-stream-server.js';
import { describeRequestError } from './intra-client.js';

export interface PieceStreamsOptions {
  callerId: string;
  /** Piece bytes sent to one peer and not yet acknowledged; a send waits for room. */
  maxInFlightBytes: number;
  /** Largest frame an ack may be (acks are small JSON). */
  maxAckBytes: number;
  /** Largest piece frame the holders take; a bigger piece is not sent on a stream. */
  maxFrameBytes: number;
  connect?: buildConnector.connector | undefined;
}

/** The stream to a peer could not be opened (the piece was not sent: another path may send it). */
export class PieceStreamUnavailable extends StoreError {
  constructor(message: string, cause?: unknown) {
    super('PeerUnreachable', message, { cause });
    this.name = 'PieceStreamUnavailable';
  }
}

export class PieceStreams {
  readonly #agent: Agent;
  readonly #peers = new Map<string, Promise<PeerStream>>();

  constructor(private readonly options: PieceStreamsOptions) {
    this.#agent = new Agent(options.connect === undefined ? {} : { connect: options.connect });
  }

  /**
   * Sends a piece (`header`, then `body`) to the peer at `baseUrl`; resolves with the holder's ack
   * header once the piece is stored. `timeoutMs` bounds the wait for room and for the ack.
   */
  async send(baseUrl: string, header: unknown, body: Buffer, timeoutMs: number): Promise<unknown> {
    const head = encodeFrameHead(FrameKind.piece, 0, header, body.length);
    if (head.length + body.length > this.options.maxFrameBytes)
      throw new PieceStreamUnavailable(`a piece frame of ${head.length + body.length} bytes`);
    const stream = await this.#stream(baseUrl);
    return stream.send(head, body, timeoutMs);
  }

  async close(): Promise<void> {
    const streams = await Promise.allSettled(this.#peers.values());
    for (const settled of streams) if (settled.status === 'fulfilled') settled.value.destroy();
    this.#peers.clear();
    await this.#agent.close();
  }

  #stream(baseUrl: string): Promise<PeerStream> {
    const known = this.#peers.get(baseUrl);
    if (known !== undefined) return known;
    const opening = this.#open(baseUrl);
    this.#peers.set(baseUrl, opening);
    opening.catch(() => this.#forget(baseUrl, opening));
    return opening;
  }

  async #open(baseUrl: string): Promise<PeerStream> {
    const url = `${baseUrl}${pieceStreamPath}`;
    let socket: Duplex;
    try {
      ({ socket } = await upgrade(url, {
        dispatcher: this.#agent,
        method: 'GET',
        protocol: pieceStreamProtocol,
        headers: { [Header.callerId]: this.options.callerId },
      }));
    } catch (error) {
      throw new PieceStreamUnavailable(
        `piece stream to ${url}: ${describeRequestError(error)}`,
        error,
      );
    }
    const self = this.#peers.get(baseUrl);
    // Forgotten as soon as it breaks: the next send opens a new stream.
    return new PeerStream(url, socket, this.options, () => {
      if (self !== undefined) this.#forget(baseUrl, self);
    });
  }

  #forget(baseUrl: string, stream: Promise<PeerStream>): void {
    if (this.#peers.get(baseUrl) === stream) this.#peers.delete(baseUrl);
  }
}

interface PendingPiece {
  bytes: number;
  resolve: (ack: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

interface RoomWaiter {
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** One open stream: its pieces in flight by id, and the sends waiting for room. */
class PeerStream {
  readonly #pending = new Map<number, PendingPiece>();
  readonly #waiting: RoomWaiter[] = [];
  readonly #decoder: FrameDecoder;
  #inFlightBytes = 0;
  #nextId = 1;
  #broken: StoreError | undefined;

  constructor(
    private readonly url: string,
    private readonly socket: Duplex,
    private readonly options: PieceStreamsOptions,
    private readonly onBroken: () => void,
  ) {
    this.#decoder = new FrameDecoder(options.maxAckBytes);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('error', (error) => this.#fail(`socket error: ${error.message}`));
    socket.on('end', () => {
      this.#fail('peer closed the stream');
      socket.end();
    });
    socket.on('close', () => this.#fail('stream closed'));
  }

  /** Sends a piece frame (`head` from encodeFrameHead, its id set here) and its body. */
  async send(head: Buffer, body: Buffer, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    await this.#reserve(body.length, timeoutMs);
    if (this.#broken !== undefined) throw this.#broken;
    const id = this.#nextId;
    this.#nextId = this.#nextId === 0xffffffff ? 1 : this.#nextId + 1;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => this.#fail(`no ack for piece ${id} in ${timeoutMs} ms`),
        Math.max(1, deadline - Date.now()),
      );
      this.#pending.set(id, { bytes: body.length, resolve, reject, timer });
      setFrameId(head, id);
      this.socket.write(head);
      this.socket.write(body);
    });
  }

  destroy(): void {
    this.#fail('closed by this node');
  }

  /**
   * Counts `bytes` in flight once they fit (one piece always fits an idle stream); sends waiting
   * for room are served in order.
   */
  #reserve(bytes: number, timeoutMs: number): Promise<void> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    if (this.#fits(bytes)) {
      this.#inFlightBytes += bytes;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: RoomWaiter = {
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => {
          const at = this.#waiting.indexOf(waiter);
          if (at >= 0) this.#waiting.splice(at, 1);
          reject(new StoreError('PeerUnreachable', `${this.url}: no room in ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiting.push(waiter);
    });
  }

  #fits(bytes: number): boolean {
    return (
      this.#waiting.length === 0 &&
      (this.#inFlightBytes === 0 || this.#inFlightBytes + bytes <= this.options.maxInFlightBytes)
    );
  }

  #receive(chunk: Buffer): void {
    let frames;
    try {
      frames = this.#decoder.push(chunk);
    } catch (error) {
      this.#fail(error instanceof FrameError ? error.message : String(error));
      return;
    }
    for (const frame of frames) {
      const piece = this.#pending.get(frame.id);
      // A piece already failed (the stream is being torn down): its answer has no one to tell.
      if (piece === undefined) continue;
      this.#pending.delete(frame.id);
      clearTimeout(piece.timer);
      this.#release(piece.bytes);
      if (frame.kind === FrameKind.ack) piece.resolve(frame.header);
      else if (frame.kind === FrameKind.refusal) piece.reject(refusalError(frame.header, this.url));
      else this.#fail(`frame ${frame.id}: a sender takes only acks (kind ${frame.kind})`);
    }
  }

  #release(bytes: number): void {
    this.#inFlightBytes -= bytes;
    while (this.#waiting.length > 0) {
      const next = this.#waiting[0] as RoomWaiter;
      if (
        this.#inFlightBytes > 0 &&
        this.#inFlightBytes + next.bytes > this.options.maxInFlightBytes
      )
        return;
      this.#waiting.shift();
      clearTimeout(next.timer);
      this.#inFlightBytes += next.bytes;
      next.resolve();
    }
  }

  /** Fails every piece in flight and every waiting send; the stream is not used again. */
  #fail(reason: string): void {
    if (this.#broken === undefined) {
      this.#broken = new StoreError('PeerUnreachable', `piece stream to ${this.url}: ${reason}`);
      this.onBroken();
    }
    const broken = this.#broken;
    for (const piece of this.#pending.values()) {
      clearTimeout(piece.timer);
      piece.reject(broken);
    }
    this.#pending.clear();
    for (const waiter of this.#waiting.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(broken);
    }
    this.#inFlightBytes = 0;
    this.socket.destroy();
  }
}

function refusalError(header: unknown, url: string): StoreError {
  const record = asRecord(header);
  const message = typeof record?.message === 'string' ? record.message : 'refused';
  const code = isErrorCode(record?.code) ? record.code : 'Internal';
  return new StoreError(code, `${url}: ${message}`);
}
