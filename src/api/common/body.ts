// Small request bodies: bounded JSON reading and action messages (`{"action","name","value"}`).
import { badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import type { ActionMessage } from '../../wire/index.js';
import { acceptBody } from './http-server.js';
import type { RequestContext } from './request-context.js';

/** Largest control-plane JSON body accepted. */
export const maxJsonBodyBytes = 4 * 1024 * 1024;

/** Reads a JSON body (empty body → undefined); refuses oversized or malformed input. */
export async function readJsonBody(context: RequestContext): Promise<unknown> {
  acceptBody(context);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of context.req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxJsonBodyBytes)
      throw badRequest(`request body larger than ${maxJsonBodyBytes} bytes`);
    chunks.push(chunk);
  }
  if (total === 0) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest('request body is not valid JSON', { cause: error });
  }
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
