// The `hpush://` communication (AIStore's pushComm): the target PUTs the object to the transformer
// (`PUT /<bucket>/<object>?etl_args=`, `Ais-Node-Url` naming the next stages of a pipeline) and
// takes its answer: 200/202 with the transformed bytes, 204 when delivered by direct put, >=400 a
// failure, 503 with `Ais-Etl-Retry-Reason: direct-put-transient` a request to send it again.
import { Readable } from 'node:stream';
import { Agent, errors, request, type Dispatcher } from 'undici';
import { readSmallBody } from '../api/common/body.js';
import { isStoreError } from '../errors/index.js';
import { EtlHeader, etlRetryDirectPutTransient, Header, Query } from '../wire/index.js';
import { etlUnavailable, transformFailed, transformTimedOut } from './etl-errors.js';

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

/** 200/202 with the bytes, 204 delivered by direct put, >= 400 a failure (503: try later). */
export async function readAnswer(
  etlName: string,
  response: Dispatcher.ResponseData,
): Promise<TransformerAnswer> {
  if (response.statusCode >= 400) {
    const text = (await readSmallBody(response.body, maxErrorBytes, 'transformer error'))
      .toString('utf8')
      .trim();
    const why = `the transformer answered ${response.statusCode}: ${text}`;
    throw response.statusCode === 503
      ? etlUnavailable(etlName, why)
      : transformFailed(etlName, why);
  }
  const length = Number(response.headers[Header.contentLength] ?? Number.NaN);
  const directPut = response.headers[EtlHeader.directPutLength];
  if (
    response.statusCode === 204 ||
    (response.statusCode === 200 && length === 0 && directPut !== undefined)
  ) {
    await response.body.dump();
    return {
      body: undefined,
      length: undefined,
      directPutLength: typeof directPut === 'string' ? directPut : undefined,
    };
  }
  return {
    body: response.body,
    length: Number.isSafeInteger(length) ? length : undefined,
    directPutLength: undefined,
  };
}

async function send(
  push: PushRequest,
  opened: { size: number; body: AsyncIterable<Buffer> },
): Promise<Dispatcher.ResponseData> {
  const query = new URLSearchParams();
  if (push.args !== undefined) query.set(Query.etlArgs, push.args);
  const search = query.size > 0 ? `?${query.toString()}` : '';
  const headers: Record<string, string> = { [Header.contentLength]: String(opened.size) };
  if (push.nextStages.length > 0) headers[EtlHeader.nodeUrl] = push.nextStages.join(',');
  try {
    return await request(`${push.url}${push.path}${search}`, {
      method: 'PUT',
      headers,
      // undici takes async iterables (its documented body types; its typings list only streams).
      body: opened.body as Readable,
      dispatcher: transformers,
      headersTimeout: push.objTimeoutMs,
      bodyTimeout: push.objTimeoutMs,
    });
  } catch (error) {
    if (opened.body instanceof Readable) opened.body.destroy();
    throw exchangeError(push.etlName, push.objTimeoutMs, error);
  }
}

/** A failed exchange with a transformer as the error the client gets. */
export function exchangeError(etlName: string, objTimeoutMs: number, error: unknown): Error {
  if (isStoreError(error)) return error;
  if (error instanceof errors.HeadersTimeoutError || error instanceof errors.BodyTimeoutError)
    return transformTimedOut(etlName, objTimeoutMs);
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET')
    return etlUnavailable(etlName, `the transformer is unreachable: ${message}`);
  return transformFailed(etlName, message);
}
