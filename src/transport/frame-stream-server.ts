// The holder's end of a piece stream: an HTTP upgrade on the intra-cluster port turns the
// connection into frames (frame-codec.ts); each piece frame is handed to the store and answered by
// an ack (or a refusal) with its id once stored, in whatever order the stores end.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { isStoreError } from '../errors/index.js';
import { encodeFrameHead, FrameDecoder, FrameError, FrameKind, type Frame } from './frame-codec.js';

/** The `Upgrade` protocol name of piece streams, and the path they are asked for on. */
export const pieceStreamProtocol = 'cairn-pieces/1';
export const pieceStreamPath = '/v1/piece-streams';

/** Stores one piece; resolves with the ack's header once it is durable. */
export type PieceFrameHandler = (
  header: unknown,
  body: Buffer[],
  bodyBytes: number,
) => Promise<unknown>;

export interface PieceStreamServerOptions {
  /** Largest frame accepted (a bigger one is a broken stream). */
  maxFrameBytes: number;
  /** Received piece bytes being stored before the connection stops reading (back-pressure). */
  maxPendingBytes: number;
  /** Where a broken stream is reported. */
  onBroken: (reason: string) => void;
}

/**
 * Answers an upgrade request on the intra-cluster port: a piece stream is accepted (101) and
 * served; any other protocol or path gets 400 and the connection is closed.
 */
export function acceptPieceStream(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  handle: PieceFrameHandler,
  options: PieceStreamServerOptions,
): void {
  socket.on('error', (error) => options.onBroken(`socket error: ${error.message}`));
  // A sender whose host vanished without closing: found and closed by TCP keepalive.
  if ('setKeepAlive' in socket) (socket as Socket).setKeepAlive(true, 60_000);
  if (req.headers.upgrade !== pieceStreamProtocol || req.url !== pieceStreamPath) {
    socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${pieceStreamProtocol}\r\n\r\n`,
  );
  servePieceFrames(socket, head, handle, options);
}

function servePieceFrames(
  socket: Duplex,
  head: Buffer,
  handle: PieceFrameHandler,
  options: PieceStreamServerOptions,
): void {
  const decoder = new FrameDecoder(options.maxFrameBytes);
  let pendingBytes = 0;
  const answer = (kind: FrameKind, id: number, header: unknown): void => {
    // The sender went away: its pieces are failed on its side, nothing to tell.
    if (socket.writable) socket.write(encodeFrameHead(kind, id, header));
  };
  // Never rejects: a failed store is the sender's refusal, not this connection's end.
  const store = async (frame: Frame): Promise<void> => {
    try {
      answer(FrameKind.ack, frame.id, await handle(frame.header, frame.body, frame.bodyBytes));
    } catch (error) {
      answer(FrameKind.refusal, frame.id, {
        code: isStoreError(error) ? error.code : 'Internal',
        message: error instanceof Error ? error.message : String(error),
      });
    } finally {
      pendingBytes -= frame.bodyBytes;
      if (pendingBytes <= options.maxPendingBytes && !socket.destroyed) socket.resume();
    }
  };
  const receive = (chunk: Buffer): void => {
    let frames;
    try {
      frames = decoder.push(chunk);
    } catch (error) {
      options.onBroken(error instanceof FrameError ? error.message : String(error));
      socket.destroy();
      return;
    }
    for (const frame of frames) {
      if (frame.kind !== FrameKind.piece) {
        options.onBroken(`frame ${frame.id}: a holder takes only pieces (kind ${frame.kind})`);
        socket.destroy();
        return;
      }
      pendingBytes += frame.bodyBytes;
      if (pendingBytes > options.maxPendingBytes) socket.pause();
      void store(frame);
    }
  };
  socket.on('data', receive);
  socket.on('end', () => {
    if (decoder.pendingBytes > 0)
      options.onBroken(`sender closed mid-frame (${decoder.pendingBytes} bytes of it received)`);
    socket.end();
  });
  if (head.length > 0) receive(head);
}
