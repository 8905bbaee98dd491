// Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0...\r\n`,
// then optional trailing headers) into the plain object bytes, verifying each chunk's signature
// and the trailer signature when the body is signed. Memory stays bounded: data is passed through.
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { StoreError, badRequest } from '../../../errors/index.js';
import {
  chunkSignature,
  signaturesEqual,
  trailerSignature,
  type SigningContext,
} from './signature-v4.js';

/** Longest chunk header or trailer line accepted. */
const maxLineBytes = 4096;
/** Most trailing headers accepted. */
const maxTrailers = 16;
/** Largest chunk accepted (the data itself is streamed, never held). */
const maxChunkBytes = 5 * 1024 ** 3;

type State = 'header' | 'data' | 'dataEnd' | 'trailer' | 'done';

export interface AwsChunkedOptions {
  /** Verify chunk signatures against this context (signed STREAMING-AWS4-HMAC-SHA256-* bodies). */
  signing: SigningContext | undefined;
}

function incomplete(detail: string): StoreError {
  return badRequest(`IncompleteBody: malformed aws-chunked body: ${detail}`);
}

export class AwsChunkedDecoder extends Transform {
  /** Trailing headers (lowercase names), available once the stream has ended. */
  readonly trailers = new Map<string, string>();
  readonly #signing: SigningContext | undefined;
  #state: State = 'header';
  #line = Buffer.alloc(0);
  #remaining = 0;
  #chunkHash: Hash | undefined;
  #chunkSignature = '';
  #previousSignature: string;
  #pendingEnd = 0;

  constructor(options: AwsChunkedOptions) {
    super();
    this.#signing = options.signing;
    this.#previousSignature = options.signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // Some clients end unsigned bodies right after the last chunk's header, without the final CRLF.
    if (this.#state === 'trailer' && this.#line.length === 0 && this.#signing === undefined) {
      this.#state = 'done';
    }
    callback(this.#state === 'done' ? null : incomplete(`body ended in state "${this.#state}"`));
  }

  #consume(input: Buffer): void {
    let offset = 0;
    while (offset < input.length) {
      switch (this.#state) {
        case 'data': {
          const take = Math.min(this.#remaining, input.length - offset);
          const data = input.subarray(offset, offset + take);
          this.#chunkHash?.update(data);
          this.push(data);
          offset += take;
          this.#remaining -= take;
          if (this.#remaining === 0) {
            this.#state = 'dataEnd';
            this.#pendingEnd = 2;
          }
          break;
        }
        case 'dataEnd': {
          const byte = input[offset];
          const expected = this.#pendingEnd === 2 ? 0x0d : 0x0a;
          if (byte !== expected) throw incomplete('chunk data not followed by CRLF');
          offset += 1;
          this.#pendingEnd -= 1;
          if (this.#pendingEnd === 0) {
            this.#verifyChunk();
            this.#state = 'header';
          }
          break;
        }
        case 'header':
        case 'trailer': {
          const newline = input.indexOf(0x0a, offset);
          const end = newline < 0 ? input.length : newline + 1;
          this.#line = Buffer.concat([this.#line, input.subarray(offset, end)]);
          offset = end;
          if (this.#line.length > maxLineBytes) throw incomplete('header line too long');
          if (newline < 0) break;
          const line = this.#line.toString('latin1').replace(/\r?\n$/, '');
          this.#line = Buffer.alloc(0);
          if (this.#state === 'header') this.#onHeader(line);
          else this.#onTrailer(line);
          break;
        }
        case 'done':
          // Bytes after the end of the body are refused: they could only be a framing error.
          if (input.subarray(offset).some((byte) => byte !== 0x0d && byte !== 0x0a)) {
            throw incomplete('data after the final chunk');
          }
          offset = input.length;
          break;
      }
    }
  }

  #onHeader(line: string): void {
    const [sizeText = '', ...extensions] = line.split(';');
    if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw incomplete(`invalid chunk size "${sizeText}"`);
    const size = parseInt(sizeText, 16);
    if (size > maxChunkBytes) throw incomplete('chunk too large');
    let signature = '';
    for (const extension of extensions) {
      const [name, value = ''] = extension.split('=');
      if (name?.trim() === 'chunk-signature') signature = value.trim();
    }
    if (this.#signing !== undefined && signature === '') {
      throw new StoreError('SignatureDoesNotMatch', 'aws-chunked chunk without a signature');
    }
    this.#chunkSignature = signature;
    this.#chunkHash = this.#signing === undefined ? undefined : createHash('sha256');
    if (size === 0) {
      this.#verifyChunk();
      this.#state = 'trailer';
      return;
    }
    this.#remaining = size;
    this.#state = 'data';
  }

  #verifyChunk(): void {
    if (this.#signing === undefined || this.#chunkHash === undefined) return;
    const expected = chunkSignature(
      this.#signing,
      this.#previousSignature,
      this.#chunkHash.digest('hex'),
    );
    if (!signaturesEqual(expected, this.#chunkSignature)) {
      throw new StoreError(
        'SignatureDoesNotMatch',
        'The chunk signature we calculated does not match the signature you provided.',
      );
    }
    this.#previousSignature = this.#chunkSignature;
    this.#chunkHash = undefined;
  }

  /** Trailing `name:value` lines until an empty line; a signed body ends with its signature. */
  #onTrailer(line: string): void {
    if (line === '') {
      this.#checkTrailerSignature(undefined);
      this.#state = 'done';
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw incomplete(`invalid trailer line "${line.slice(0, 100)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'x-amz-trailer-signature') {
      this.#checkTrailerSignature(value);
      return;
    }
    if (this.trailers.size >= maxTrailers) throw incomplete('too many trailing headers');
    this.trailers.set(name, value);
  }

  #trailerSigned = false;

  #checkTrailerSignature(signature: string | undefined): void {
    if (this.#signing === undefined || this.#trailerSigned) return;
    if (this.trailers.size === 0 && signature === undefined) return;
    if (signature === undefined) {
      throw new StoreError('SignatureDoesNotMatch', 'aws-chunked trailer without a signature');
    }
    let canonical = '';
    for (const [name, value] of this.trailers) canonical += `${name}:${value}\n`;
    const expected = trailerSignature(this.#signing, this.#previousSignature, canonical);
    if (!signaturesEqual(expected, signature)) {
      throw new StoreError(
        'SignatureDoesNotMatch',
        'The trailer signature we calculated does not match the signature you provided.',
      );
    }
    this.#trailerSigned = true;
  }
}
