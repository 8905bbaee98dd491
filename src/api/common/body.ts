// Small request bodies: bounded reading, JSON and action messages (`{"action","name","value"}`).
import type { Readable } from 'node:stream';
import { StoreError, badRequest } from '../../errors/index.js';
import { asRecord, jsonNestingDepth, nestsDeeperThan } from '../../util/json.js';
import type { ActionMessage } from '../../wire/index.js';
import { acceptBody } from './http-server.js';
import type { RequestContext } from './request-context.js';

/** Largest control-plane JSON body accepted. */
export const maxJsonBodyBytes = 4 * 1024 * 1024;

/** Deepest nesting of arrays and objects accepted in JSON from outside (AIStore's are < 10). */
export const maxJsonDepth = 64;

/**
 * Texts longer than this are measured for depth before they are parsed: a parse of deeply nested
 * input builds an array or object per opening bracket (a 4 MiB body of `[` would hold ~100 MiB
 * until refused). Shorter ones are parsed and then walked (`nestsDeeperThan` visits each value
 * once where the scan of the text looks at every character: for a peer's GetBatch request of 333
 * items the scan cost as much as the parse; docs/profiling.md, GetBatch).
 */
export const scanDepthAboveChars = 256 * 1024;

/** Parses JSON a client sent (`what` names it in the 400), refusing malformed or too deep input. */
export function parseClientJson(text: string, what: string): unknown {
  const scanned = text.length > scanDepthAboveChars;
  if (scanned && jsonNestingDepth(text, maxJsonDepth) > maxJsonDepth) throw tooDeep(what);
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(`${what} is not valid JSON`, { cause: error });
  }
  if (!scanned && nestsDeeperThan(value, maxJsonDepth)) throw tooDeep(what);
  return value;
}

function tooDeep(what: string): StoreError {
  return badRequest(`${what} nests arrays or objects deeper than ${maxJsonDepth} levels`);
}

/**
 * Reads a whole small body of at most `limitBytes`. Beyond the limit it stops keeping bytes and
 * throws RequestTooLarge, but leaves the socket open (the rest of the body is discarded as it
 * arrives) so that the error answer still reaches the client; the answer then closes the
 * connection (see sendError). Breaking out of the request's iterator would destroy the socket
 * before anything could be answered.
 */
export function readSmallBody(body: Readable, limitBytes: number, what: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
    };
    const onData = (chunk: Buffer): void => {
      total += chunk.length;
      if (total <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      cleanup();
      body.on('error', () => undefined);
      body.resume();
      reject(new StoreError('RequestTooLarge', `${what} larger than ${limitBytes} bytes`));
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    // A body paused on purpose (S3's payload hashing) does not flow on a new 'data' listener alone.
    body.resume();
  });
}

/**
 * A body is read once: the access check (AuthN on) reads the action message before the route
 * does, and both get the same parse.
 */
const jsonBodies = new WeakMap<RequestContext, Promise<unknown>>();

/** Reads a JSON body (empty body → undefined); refuses oversized or malformed input. */
export function readJsonBody(context: RequestContext): Promise<unknown> {
  let body = jsonBodies.get(context);
  if (body === undefined) {
    body = parseJsonBody(context);
    jsonBodies.set(context, body);
  }
  return body;
}

async function parseJsonBody(context: RequestContext): Promise<unknown> {
  acceptBody(context);
  const data = await readSmallBody(context.req, maxJsonBodyBytes, 'request body');
  if (data.length === 0) return undefined;
  return parseClientJson(data.toString('utf8'), 'request body');
}

/** Reads an action message (empty body → undefined). */
export async function readActionMessage(
  context: RequestContext,
): Promise<ActionMessage | undefined> {
  const body = await readJsonBody(context);
  if (body === undefined) return undefined;
  const record = asRecord(body);
  if (record === undefined || typeof record.action !== 'string') {
    throw badRequest('expected an action message: {"action": "...", "name": "...", "value": ...}');
  }
  return {
    action: record.action,
    ...(typeof record.name === 'string' ? { name: record.name } : {}),
    value: record.value ?? null,
  };
}
