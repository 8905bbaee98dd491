// An object body on its way in: aws-chunked decoding (signed or not, with trailers), the length the
// store must receive, and the digests S3 promises: the MD5 ETag, Content-MD5, a signed payload's
// SHA-256 and the additional checksum, all verified before the object becomes visible.
import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, pipeline, type Readable } from 'node:stream';
import { PooledMd5 } from '../../../checksum/index.js';
import { StoreError, badRequest } from '../../../errors/index.js';
import { acceptBody } from '../../common/http-server.js';
import type { RequestContext } from '../../common/request-context.js';
import type { AuthResult } from '../auth/authenticate.js';
import { AwsChunkedDecoder } from '../auth/aws-chunked-decoder.js';
import { ForwardHeader, isForwarded } from '../forwarding.js';
import {
  checksumAlgorithms,
  createChecksumHasher,
  isChecksumValue,
  parseChecksumAlgorithm,
  type ChecksumAlgorithm,
  type ChecksumHasher,
} from './checksum-algorithms.js';

/** The plain bytes of a PUT or UploadPart, and the check to run once they have all arrived. */
export interface ObjectPayload<Length extends number | undefined = number> {
  body: Readable;
  contentLength: Length;
  /** Verifies every declared digest (throws the S3 error) and returns the ETag and checksums. */
  finish(): Promise<{ etag: string; checksums: Record<string, string> }>;
  /**
   * Hashes the MD5 on the thread pool instead (before the body flows; later, it stays where it
   * is). The answer resolves once every byte read so far is hashed: whoever reads the body must
   * wait for it now and then, or the chunks waiting to be hashed pile up. Absent where the body's
   * buffers may be reused once read (a copy's source reads into pooled buffers).
   */
  offloadDigests?: () => () => Promise<void>;
}

const signedStreaming = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
const signedStreamingTrailer = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
const unsignedStreamingTrailer = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/**
 * The smallest body whose MD5 goes to the thread pool (a form upload's, of unknown length, does).
 * A large body's MD5 was a third of its owner's main-thread time; for 1 MiB bodies the hand-offs
 * to the pool and back cost about what the main thread saved (the targets' CPU per MiB 0.88 and
 * 1.15 of in-place hashing in two sittings), so they keep hashing in place.
 */
const offloadMinBytes = 8 * 1024 * 1024;

/** Hashes what flows through: MD5 always, plus a payload SHA-256 and one additional checksum. */
class PayloadHashing {
  #md5: Hash | PooledMd5 = createHash('md5');
  #hashedBytes = 0;
  constructor(
    readonly sha256: Hash | undefined,
    readonly checksum: ChecksumHasher | undefined,
  ) {}

  /**
   * Watches `body` (paused until its consumer starts reading it): a second 'data' listener sees
   * every chunk the consumer gets, in order, without a Transform and a pipeline per request (the
   * pipeline's AbortController and Transform were 3-4% of a target's CPU under small PUTs).
   */
  watch(body: Readable): Readable {
    body.on('data', (chunk: Buffer) => {
      this.#hashedBytes += chunk.length;
      this.#md5.update(chunk);
      this.sha256?.update(chunk);
      this.checksum?.update(chunk);
    });
    body.pause();
    return body;
  }

  /** ObjectPayload's `offloadDigests`: the MD5 moves to the pool while nothing was hashed yet. */
  offload(): () => Promise<void> {
    if (this.#hashedBytes === 0 && !(this.#md5 instanceof PooledMd5)) this.#md5 = new PooledMd5();
    const md5 = this.#md5;
    return md5 instanceof PooledMd5 ? () => md5.caughtUp() : () => Promise.resolve();
  }

  async md5(): Promise<Buffer> {
    return await this.#md5.digest();
  }
}

/**
 * `checksumHeaders`: what `x-amz-checksum-<algorithm>` headers describe — this body, or (on
 * CompleteMultipartUpload) the object being completed, checked elsewhere.
 */
export function openObjectPayload(
  context: RequestContext,
  auth: AuthResult,
  checksumHeaders: 'body' | 'object' = 'body',
): ObjectPayload {
  return openPayload(context, auth, declaredLength, checksumHeaders);
}

/**
 * The payload of a PutObject: as `openObjectPayload`, but a browser form upload's file, which a
 * gateway forwards as it arrives, has no length until its end (undefined).
 */
export function openPutPayload(
  context: RequestContext,
  auth: AuthResult,
): ObjectPayload<number | undefined> {
  const formUpload =
    isForwarded(context) && context.req.headers[ForwardHeader.formUpload] !== undefined;
  return openPayload(context, auth, formUpload ? () => undefined : declaredLength, 'body');
}

function openPayload<Length extends number | undefined>(
  context: RequestContext,
  auth: AuthResult,
  lengthOf: (header: string | string[] | undefined) => Length,
  checksumHeaders: 'body' | 'object',
): ObjectPayload<Length> {
  const headers = context.req.headers;
  const mode = auth.contentSha256;
  const streaming = mode.startsWith('STREAMING-');
  if (
    streaming &&
    ![signedStreaming, signedStreamingTrailer, unsignedStreamingTrailer].includes(mode)
  ) {
    throw new StoreError('NotImplemented', `payload signing mode "${mode}" is not implemented yet`);
  }
  const contentLength = lengthOf(
    streaming ? headers['x-amz-decoded-content-length'] : headers['content-length'],
  );
  const declared = declaredChecksum(context.req.headers, checksumHeaders === 'body');
  const promisedTrailer = headerText(context, 'x-amz-trailer')?.trim().toLowerCase();
  const payloadSha256 = /^[0-9a-f]{64}$/.test(mode) ? mode : undefined;
  const hashing = new PayloadHashing(
    payloadSha256 === undefined ? undefined : createHash('sha256'),
    declared === undefined ? undefined : createChecksumHasher(declared.algorithm),
  );
  const decoder = streaming
    ? new AwsChunkedDecoder({
        signing: mode === unsignedStreamingTrailer ? undefined : auth.signing,
      })
    : undefined;
  acceptBody(context);
  const body = hashing.watch(
    decoder === undefined ? context.req : pipeline(context.req, decoder, () => undefined),
  );
  const contentMd5 = headerText(context, 'content-md5');
  return {
    body,
    contentLength,
    ...((contentLength ?? Infinity) >= offloadMinBytes
      ? { offloadDigests: () => hashing.offload() }
      : {}),
    finish: async () => {
      const md5 = await hashing.md5();
      if (contentMd5 !== undefined) checkContentMd5(contentMd5, md5);
      if (payloadSha256 !== undefined && hashing.sha256?.digest('hex') !== payloadSha256) {
        throw new StoreError(
          'ContentSha256Mismatch',
          'The provided x-amz-content-sha256 header does not match what was computed.',
        );
      }
      const checksums: Record<string, string> = {};
      if (declared !== undefined && hashing.checksum !== undefined) {
        const computed = await hashing.checksum.digestBase64();
        const expected = declared.value ?? decoder?.trailers.get(declared.header);
        // A checksum the client said it would send after the body and did not (or sent another
        // one) verifies nothing: storing the object would tell it its checksum was checked.
        if (expected === undefined && declared.header === promisedTrailer) {
          throw new StoreError(
            'InvalidRequest',
            `The ${declared.header} trailer announced in x-amz-trailer was not sent.`,
          );
        }
        if (expected !== undefined && expected !== computed) {
          throw new StoreError(
            'ChecksumMismatch',
            `The ${declared.algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
          );
        }
        checksums[declared.algorithm] = computed;
      }
      return { etag: md5.toString('hex'), checksums };
    },
  };
}

function headerText(context: RequestContext, name: string): string | undefined {
  const value = context.req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

function declaredLength(value: string | string[] | undefined): number {
  if (value === undefined) {
    throw new StoreError(
      'MissingContentLength',
      'You must provide the Content-Length HTTP header.',
    );
  }
  const length = Number(value);
  if (typeof value !== 'string' || !/^\d+$/.test(value) || !Number.isSafeInteger(length)) {
    throw badRequest(`invalid content length "${String(value)}"`);
  }
  return length;
}

/**
 * Which additional checksum the client sends: as a header, as a trailer, or only asks for. As S3:
 * one value header at most, of the algorithm's width, and of the algorithm asked for if any.
 */
export function declaredChecksum(
  headers: IncomingHttpHeaders,
  valueHeaders: boolean,
): { algorithm: ChecksumAlgorithm; header: string; value: string | undefined } | undefined {
  const valueOf = (name: string): string | undefined => {
    const value = headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const given = (valueHeaders ? checksumAlgorithms : []).flatMap((algorithm) => {
    const header = `x-amz-checksum-${algorithm}`;
    const value = valueOf(header);
    return value === undefined ? [] : [{ algorithm, header, value }];
  });
  if (given.length > 1) {
    throw new StoreError(
      'InvalidRequest',
      'Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.',
    );
  }
  const [declared] = given;
  if (declared !== undefined) {
    if (!isChecksumValue(declared.algorithm, declared.value))
      throw new StoreError('InvalidRequest', `Value for ${declared.header} header is invalid.`);
    for (const name of ['x-amz-sdk-checksum-algorithm', 'x-amz-checksum-algorithm']) {
      const requested = valueOf(name);
      if (requested !== undefined && requested.toLowerCase() !== declared.algorithm)
        throw new StoreError('InvalidRequest', `Value for ${name} header is invalid.`);
    }
    return declared;
  }
  const trailer = valueOf('x-amz-trailer')?.trim().toLowerCase();
  if (trailer !== undefined && trailer.startsWith('x-amz-checksum-')) {
    const algorithm = parseChecksumAlgorithm(trailer.slice('x-amz-checksum-'.length));
    return { algorithm, header: trailer, value: undefined };
  }
  for (const name of ['x-amz-sdk-checksum-algorithm', 'x-amz-checksum-algorithm']) {
    const requested = valueOf(name);
    if (requested !== undefined) {
      const algorithm = parseChecksumAlgorithm(requested);
      return { algorithm, header: `x-amz-checksum-${algorithm}`, value: undefined };
    }
  }
  return undefined;
}

function checkContentMd5(contentMd5: string, md5: Buffer): void {
  const given = Buffer.from(contentMd5, 'base64');
  if (given.length !== 16 || given.toString('base64') !== contentMd5.trim()) {
    throw new StoreError('InvalidDigest', 'The Content-MD5 you specified is not valid.');
  }
  if (!given.equals(md5)) {
    throw new StoreError(
      'ChecksumMismatch',
      'The Content-MD5 you specified did not match what we received.',
    );
  }
}

/**
 * The payload of a copy: bytes read from the source object, hashed on the way (MD5 for the ETag,
 * plus the checksum algorithms the source carried, so the copy carries them too).
 */
export function copiedPayload(
  source: Readable,
  contentLength: number,
  algorithms: readonly string[],
): ObjectPayload {
  const algorithm = algorithms.find((name) =>
    (checksumAlgorithms as readonly string[]).includes(name),
  );
  const checksum = algorithm === undefined ? undefined : parseChecksumAlgorithm(algorithm);
  const hashing = new PayloadHashing(
    undefined,
    checksum === undefined ? undefined : createChecksumHasher(checksum),
  );
  return {
    // The source's errors reach its consumer through this pipeline's output.
    body: hashing.watch(pipeline(source, new PassThrough(), () => undefined)),
    contentLength,
    finish: async () => ({
      etag: (await hashing.md5()).toString('hex'),
      checksums:
        checksum === undefined || hashing.checksum === undefined
          ? {}
          : { [checksum]: await hashing.checksum.digestBase64() },
    }),
  };
}
