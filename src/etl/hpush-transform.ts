// The `hpush://` communication (AIStore's pushComm): the target PUTs the object to the transformer
// (`PUT /<bucket>/<object>?etl_args=`, `Ais-Node-Url` naming the next stages of a pipeline) and
// takes its answer: 200/202 with the transformed bytes, 204 when delivered by direct put, >=400 a
// failure, 503 with `Ais-Etl-Retry-Reason: direct-put-transient` a request to send it again.
import { Readable, Writable } from 'node:stream';
import { Agent, errors, request, type Dispatcher } from 'undici';
import { readSmallBody } from '../api/common/body.js';
import { isStoreError } from '../errors/index.js';
import { EtlHeader, etlRetryDirectPutTransient, Header, Query } from '../wire/index.js';
import { etlUnavailable, transformFailed, transformTimedOut } from './etl-errors.js';
import { exchange, TransformerGone, TransformerSilent } from './transformer-exchange.js';

/** Connections to the transformers of this target (all on the loopback interface). */
export const transformers = new Agent({ connections: 64, keepAliveTimeout: 10_000 });
/** Most of a transformer's error text that is kept. */
export const maxErrorBytes = 16 * 1024;
/** Sends of one object when the transformer asks for a replay. */
const maxAttempts = 3;

export interface PushRequest {
  etlName: string;
  /** The transformer's base URL (`http://127.0.0.1:<port>`). */
  url: string;
  /** `/<bucket>/<object>` (the path the transformer sees). */
  path: string;
  args: string | undefined;
  /** Further stages, then the direct-put destination if any (`Ais-Node-Url`). */
  nextStages: readonly string[];
  objTimeoutMs: number;
  /** Opens the object (again, on a replay), as a request body's chunks. */
  open: () => Promise<{ size: number; body: AsyncIterable<Buffer> }>;
}

/**
 * A transformer's answer (hpush and hpull): the transformed bytes, or none when it delivered them
 * itself by direct put (204, or an empty 200 with `Ais-Direct-Put-Length`).
 */
export interface TransformerAnswer {
  body: Readable | undefined;
  length: number | undefined;
  /** Direct put: what the transformer says it delivered. */
  directPutLength: string | undefined;
}

export interface PushAnswer extends TransformerAnswer {
  inBytes: number;
}

export async function pushToTransformer(push: PushRequest): Promise<PushAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    const opened = await push.open();
    const response = await send(push, opened);
    const retry = response.headers[EtlHeader.retryReason] === etlRetryDirectPutTransient;
    if (response.statusCode === 503 && retry && attempt < maxAttempts) {
      await response.body.dump();
      continue;
    }
    return { ...(await readAnswer(push.etlName, response)), inBytes: opened.size };
  }
}

/** An inline answer written where `pushInto`'s caller said: what the transformer sent. */
export interface DeliveredAnswer {
  inBytes: number;
  /** Bytes of the answer written (none for a direct put). */
  outBytes: number;
  /** Set when the transformer delivered the bytes itself (direct put): what it says it did. */
  directPut: { length: string | undefined } | undefined;
}

/**
 * hpush for an inline GET: the transformer's bytes are written into the Writable `deliver` gives
 * for its answer's length (the client's response, which must be done with a chunk when its write
 * calls back: transformer-exchange.ts), chunk by chunk as they arrive. Resolves once they all were
 * written; a failure after `deliver` was called breaks that Writable.
 */
export async function pushInto(
  push: PushRequest,
  deliver: (length: number | undefined) => Writable,
): Promise<DeliveredAnswer> {
  for (let attempt = 1; ; attempt += 1) {
    const opened = await push.open();
    let failure: { status: number; text: () => Buffer; retry: boolean } | undefined;
    let directPut: DeliveredAnswer['directPut'];
    let outBytes: number;
    try {
      outBytes = await exchange(
        {
          origin: push.url,
          path: pathOf(push),
          headers: headersOf(push, opened.size),
          body: opened.body,
          timeoutMs: push.objTimeoutMs,
        },
        (statusCode, headers): Writable => {
          if (statusCode >= 400) {
            const retry = headers[EtlHeader.retryReason] === etlRetryDirectPutTransient;
            const text = errorText();
            failure = { status: statusCode, text: text.contents, retry };
            return text.sink;
          }
          const kind = answerKind(statusCode, headers);
          if (kind.directPut === undefined) return deliver(kind.length);
          directPut = kind.directPut;
          return discard();
        },
      );
    } catch (error) {
      if (opened.body instanceof Readable) opened.body.destroy();
      throw exchangeError(push.etlName, push.objTimeoutMs, error);
    }
    if (failure === undefined)
      return { inBytes: opened.size, outBytes: directPut === undefined ? outBytes : 0, directPut };
    if (failure.status === 503 && failure.retry && attempt < maxAttempts) continue;
    throw answerError(push.etlName, failure.status, failure.text());
  }
}

/** A sink keeping (a copy of) the first `maxErrorBytes` of a transformer's error text. */
function errorText(): { sink: Writable; contents: () => Buffer } {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const part = chunk.subarray(0, Math.max(0, maxErrorBytes - keptBytes));
      kept.push(Buffer.from(part));
      keptBytes += part.length;
      callback();
    },
  });
  return { sink, contents: () => Buffer.concat(kept) };
}

/** A sink for an answer's bytes nobody reads (a direct put's empty body). */
function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

/** What a transformer's answer of `statusCode` (< 400) holds: bytes of `length`, or a direct put. */
function answerKind(
  statusCode: number,
  headers: Record<string, string | string[] | undefined>,
): { length: number | undefined; directPut: DeliveredAnswer['directPut'] } {
  const length = Number(headers[Header.contentLength] ?? Number.NaN);
  const reported = headers[EtlHeader.directPutLength];
  if (statusCode === 204 || (statusCode === 200 && length === 0 && reported !== undefined))
    return {
      length: undefined,
      directPut: { length: typeof reported === 'string' ? reported : undefined },
    };
  return { length: Number.isSafeInteger(length) ? length : undefined, directPut: undefined };
}

/** A transformer's answer >= 400 (and its text) as the error the client gets (503: try later). */
function answerError(etlName: string, statusCode: number, text: Buffer): Error {
  const why = `the transformer answered ${statusCode}: ${text.toString('utf8').trim()}`;
  return statusCode === 503 ? etlUnavailable(etlName, why) : transformFailed(etlName, why);
}

/** 200/202 with the bytes, 204 delivered by direct put, >= 400 a failure (503: try later). */
export async function readAnswer(
  etlName: string,
  response: Dispatcher.ResponseData,
): Promise<TransformerAnswer> {
  if (response.statusCode >= 400) {
    const text = await readSmallBody(response.body, maxErrorBytes, 'transformer error');
    throw answerError(etlName, response.statusCode, text);
  }
  const kind = answerKind(response.statusCode, response.headers);
  if (kind.directPut !== undefined) {
    await response.body.dump();
    return {
      body: undefined,
      length: undefined,
      directPutLength: kind.directPut.length,
    };
  }
  return { body: response.body, length: kind.length, directPutLength: undefined };
}

/** `/<bucket>/<object>[?etl_args=]`. */
function pathOf(push: PushRequest): string {
  if (push.args === undefined) return push.path;
  return `${push.path}?${new URLSearchParams({ [Query.etlArgs]: push.args }).toString()}`;
}

/** The PUT's headers: the object's length, and the next stages of a pipeline. */
function headersOf(push: PushRequest, size: number): Record<string, string> {
  const headers: Record<string, string> = { [Header.contentLength]: String(size) };
  if (push.nextStages.length > 0) headers[EtlHeader.nodeUrl] = push.nextStages.join(',');
  return headers;
}

/** The PUT of the object to the transformer, within `obj_timeout`. */
function exchangeOptions(
  push: PushRequest,
  opened: { size: number; body: AsyncIterable<Buffer> },
): Parameters<typeof request<null>>[1] {
  return {
    method: 'PUT',
    headers: headersOf(push, opened.size),
    // undici takes async iterables (its documented body types; its typings list only streams).
    body: opened.body as Readable,
    dispatcher: transformers,
    headersTimeout: push.objTimeoutMs,
    bodyTimeout: push.objTimeoutMs,
  };
}

async function send(
  push: PushRequest,
  opened: { size: number; body: AsyncIterable<Buffer> },
): Promise<Dispatcher.ResponseData> {
  try {
    return await request(`${push.url}${pathOf(push)}`, exchangeOptions(push, opened));
  } catch (error) {
    if (opened.body instanceof Readable) opened.body.destroy();
    throw exchangeError(push.etlName, push.objTimeoutMs, error);
  }
}

/** A failed exchange with a transformer as the error the client gets. */
export function exchangeError(etlName: string, objTimeoutMs: number, error: unknown): Error {
  if (isStoreError(error)) return error;
  if (
    error instanceof errors.HeadersTimeoutError ||
    error instanceof errors.BodyTimeoutError ||
    error instanceof TransformerSilent
  )
    return transformTimedOut(etlName, objTimeoutMs);
  if (error instanceof TransformerGone)
    return etlUnavailable(etlName, `the transformer is unreachable: ${error.message}`);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
    return etlUnavailable(etlName, `the transformer is unreachable: ${message}`);
  return transformFailed(etlName, message);
}
