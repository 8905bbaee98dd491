// `POST /v1/objects/<bucket>` with `{"action":"promote","name":"<source path>","value":PromoteArgs}`
// (AIStore's `ais/proxy.go` httpobjpost): the addressing is checked here as AIStore checks it
// (a source path, absolute, without `.` or `..` elements, the same in `name` and `src`), then the
// port promotes (or says it cannot).
import { badRequest } from '../../errors/index.js';
import { type ActionMessage, type PromoteArgsJson } from '../../wire/index.js';
import { caselessFields, type FieldType } from '../common/caseless-fields.js';
import type { RequestContext } from '../common/request-context.js';
import type { ObjectPort } from './ports.js';
import type { BucketJson } from '../../wire/index.js';

const promoteFields = {
  tid: 'string',
  src: 'string',
  obj: 'string',
  rcr: 'boolean',
  ovw: 'boolean',
  dls: 'boolean',
  notshr: 'boolean',
} as const satisfies Record<keyof PromoteArgsJson, FieldType>;

/** The promote request of an action message: the source path in `src`, whichever way it came. */
export function parsePromote(message: ActionMessage): PromoteArgsJson & { src: string } {
  const args = caselessFields(message.value, promoteFields, 'promote') as PromoteArgsJson;
  const name = message.name ?? '';
  const source = name !== '' ? name : (args.src ?? '');
  if (source === '') throw badRequest('promoted source pathname is empty');
  if (!source.startsWith('/'))
    throw badRequest(`promoted source must be an absolute path (got ${JSON.stringify(source)})`);
  if (args.src !== undefined && args.src !== '' && args.src !== source) {
    throw badRequest(
      `promote: source ${JSON.stringify(args.src)} differs from the action's name ${JSON.stringify(name)}`,
    );
  }
  if (source.split('/').some((element) => element === '.' || element === '..'))
    throw badRequest(`promoted source ${JSON.stringify(source)} must not contain "." or ".."`);
  return { ...args, src: source };
}

export async function promoteObjects(
  context: RequestContext,
  port: ObjectPort,
  bucket: BucketJson,
  message: ActionMessage,
): Promise<void> {
  const jobId = await port.promote(bucket, parsePromote(message));
  // AIStore: the job ID as plain text, or an empty body when promoted synchronously.
  context.res.end(jobId);
}
