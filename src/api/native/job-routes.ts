// `/v1/jobs` on a target (intra-cluster port only): start its share of a job, hear that another
// target's share ended, abort, snapshots.
import { StoreError, badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import {
  isGlobalNamespace,
  normalizeProvider,
  parseNamespace,
  Query,
  type BucketJson,
  type StartJobRequestJson,
} from '../../wire/index.js';
import { readJsonBody } from '../common/body.js';
import type { RequestContext } from '../common/request-context.js';
import { sendValue } from './json-response.js';
import type { JobSelector, JobsPort } from './ports.js';

export async function handleJobsRequest(
  context: RequestContext,
  port: JobsPort | undefined,
): Promise<void> {
  if (port === undefined || !context.intra) {
    throw new StoreError('MethodNotAllowed', '/v1/jobs is an intra-cluster endpoint of targets');
  }
  switch (context.method) {
    case 'POST': {
      const body = asRecord(await readJsonBody(context));
      if (typeof body?.id !== 'string' || typeof body.kind !== 'string') {
        throw badRequest('start job: expected {"id", "kind", "bucket"?, "args"?}');
      }
      await port.start(body as unknown as StartJobRequestJson);
      context.res.end();
      return;
    }
    case 'PUT': {
      const body = asRecord(await readJsonBody(context));
      const { id, node, error } = body ?? {};
      if (typeof id !== 'string' || typeof node !== 'string' || typeof error !== 'string')
        throw badRequest('share end: expected {"id", "node", "error"}');
      port.peerEnded({ id, node, error });
      context.res.end();
      return;
    }
    case 'DELETE':
      sendValue(context.res, { aborted: port.abort(selectorFromQuery(context)) });
      return;
    case 'GET': {
      const selector = selectorFromQuery(context);
      const waitMs = jobWaitMsOf(context.query);
      const mapVersion = Number(context.query.get(Query.jobMapVersion) ?? Number.NaN);
      if (selector.id !== undefined && selector.id !== '')
        await port.untilEnded(
          selector.id,
          waitMs,
          Number.isSafeInteger(mapVersion) ? mapVersion : undefined,
        );
      sendValue(context.res, port.snapshots(selector));
      return;
    }
    default:
      throw new StoreError(
        'MethodNotAllowed',
        `method ${context.method} is not allowed on /v1/jobs`,
      );
  }
}

/** The longest a status query is held for its job's end (`Query.jobWaitMs`). */
export const jobWaitMaxMs = 10_000;

/** `Query.jobWaitMs`, within 0..`jobWaitMaxMs` (0: answer at once). */
export function jobWaitMsOf(query: URLSearchParams): number {
  const value = Number(query.get(Query.jobWaitMs) ?? 0);
  return Number.isFinite(value) ? Math.min(Math.max(Math.trunc(value), 0), jobWaitMaxMs) : 0;
}

/** `?id=&kind=&bucket=&provider=&namespace=&running=true` */
function selectorFromQuery(context: RequestContext): JobSelector {
  const { query } = context;
  return {
    id: query.get('id') ?? undefined,
    kind: query.get('kind') ?? undefined,
    bucket: bucketFromQuery(query),
    onlyRunning: query.get('running') === 'true',
  };
}

function bucketFromQuery(query: URLSearchParams): BucketJson | undefined {
  const name = query.get('bucket');
  if (name === null) return undefined;
  const provider = normalizeProvider(query.get('provider')) ?? 'ais';
  const namespace = parseNamespace(query.get('namespace'));
  if (namespace === undefined) throw badRequest('jobs: invalid bucket namespace');
  return isGlobalNamespace(namespace) ? { name, provider } : { name, provider, namespace };
}
