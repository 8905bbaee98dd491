// The frame format of the intra-cluster piece streams (docs/formats/piece-stream.md): one module
// builds and parses frames. A frame is a 13-byte prefix, a JSON header and a body:
//   u32 BE  length of the rest of the frame (kind to the body's end), at most the decoder's limit
//   u8      kind: 1 piece (sender to holder), 2 ack (holder: stored), 3 refusal (holder: failed)
//   u32 BE  id: the sender's number for the piece; its ack or refusal carries the same id
//   u32 BE  header length H
//   H bytes header, UTF-8 JSON
//   rest    body (a piece's bytes; empty in acks and refusals)

/** Bytes before a frame's header. */
export const framePrefixBytes = 13;

export const FrameKind = { piece: 1, ack: 2, refusal: 3 } as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

/** A decoded frame; the body stays in the chunks it arrived in (no copy). */
export interface Frame {
  kind: FrameKind;
  id: number;
  header: unknown;
  body: Buffer[];
  bodyBytes: number;
}

/** A stream's bytes are not frames: the stream cannot be trusted after this and is closed. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FrameError';
  }
}

/** The prefix and header of a frame whose body (`bodyBytes`, sent after it) follows. */
export function encodeFrameHead(
  kind: FrameKind,
  id: number,
  header: unknown,
  bodyBytes = 0,
): Buffer {
  const json = Buffer.from(JSON.stringify(header));
  const head = Buffer.allocUnsafe(framePrefixBytes + json.length);
  head.writeUInt32BE(framePrefixBytes - 4 + json.length + bodyBytes, 0);
  head.writeUInt8(kind, 4);
  head.writeUInt32BE(id, 5);
  head.writeUInt32BE(json.length, 9);
  json.copy(head, framePrefixBytes);
  return head;
}

/** Numbers a frame whose head was built before its id was known. */
export function setFrameId(head: Buffer, id: number): void {
  head.writeUInt32BE(id, 5);
}

/**
 * Cuts a byte stream into frames. A prefix with an unknown kind, a length over the limit or a
 * header longer than its frame throws FrameError as soon as the prefix is in, before the body.
 */
export class FrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Size of the frame being received, once its prefix is in and checked. */
  #frameBytes: number | undefined;

  constructor(private readonly maxFrameBytes: number) {}

  /** Takes the next chunk; returns the frames it completed, in order. */
  push(chunk: Buffer): Frame[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Frame[] = [];
    for (let frame = this.#next(); frame !== undefined; frame = this.#next()) frames.push(frame);
    return frames;
  }

  /** Bytes of a frame not yet complete (a stream that ends with some was cut mid-frame). */
  get pendingBytes(): number {
    return this.#buffered;
  }

  #next(): Frame | undefined {
    if (this.#frameBytes === undefined) {
      if (this.#buffered < framePrefixBytes) return undefined;
      this.#frameBytes = this.#checkPrefix(this.#peekPrefix());
    }
    // The prefix is checked once; until its frame is in, a chunk costs no more than its push.
    if (this.#buffered < this.#frameBytes) return undefined;
    const prefix = Buffer.concat(this.#take(framePrefixBytes));
    const id = prefix.readUInt32BE(5);
    const headerBytes = prefix.readUInt32BE(9);
    const headerText = Buffer.concat(this.#take(headerBytes)).toString('utf8');
    const bodyBytes = this.#frameBytes - framePrefixBytes - headerBytes;
    const body = this.#take(bodyBytes);
    this.#frameBytes = undefined;
    let header: unknown;
    try {
      header = JSON.parse(headerText);
    } catch {
      throw new FrameError(`frame ${id}: header is not JSON`);
    }
    return { kind: prefix.readUInt8(4) as FrameKind, id, header, body, bodyBytes };
  }

  /** The whole frame's size in bytes, from a prefix that makes sense (else FrameError). */
  #checkPrefix(prefix: Buffer): number {
    const length = prefix.readUInt32BE(0);
    const kind = prefix.readUInt8(4);
    const headerBytes = prefix.readUInt32BE(9);
    if (kind !== FrameKind.piece && kind !== FrameKind.ack && kind !== FrameKind.refusal)
      throw new FrameError(`unknown frame kind ${kind}`);
    if (length > this.maxFrameBytes)
      throw new FrameError(`frame of ${length} bytes, over the limit of ${this.maxFrameBytes}`);
    if (length < framePrefixBytes - 4 || headerBytes > length - (framePrefixBytes - 4))
      throw new FrameError(`frame header of ${headerBytes} bytes in a frame of ${length}`);
    return 4 + length;
  }

  #peekPrefix(): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= framePrefixBytes) return first;
    const parts: Buffer[] = [];
    let bytes = 0;
    for (const chunk of this.#chunks) {
      if (bytes >= framePrefixBytes) break;
      parts.push(chunk);
      bytes += chunk.length;
    }
    return Buffer.concat(parts);
  }

  /** Removes `bytes` from the front, as subarrays of the chunks (no copy). */
  #take(bytes: number): Buffer[] {
    const taken: Buffer[] = [];
    let left = bytes;
    while (left > 0) {
      const chunk = this.#chunks[0] as Buffer;
      if (chunk.length <= left) {
        taken.push(chunk);
        this.#chunks.shift();
        left -= chunk.length;
      } else {
        taken.push(chunk.subarray(0, left));
        this.#chunks[0] = chunk.subarray(left);
        left = 0;
      }
    }
    this.#buffered -= bytes;
    return taken;
  }
}
