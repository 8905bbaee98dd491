// `/v1/dsort/...` on a target's intra-cluster port: a gateway starts the target's share of a dSort
// job (`POST <id>`), reads its JobInfo (`GET <id>`, `GET` for all), marks the sorting phase
// (`POST <id>/sorting`), gathers its records' metadata (`GET <id>/records`), sends its output shards
// (`POST <id>/plan`), ends it (`POST <id>/complete`), aborts (`DELETE <id>/abort?reason=&failure=`)
// and forgets it (`DELETE <id>`); targets building shards pull records (`POST <id>/records`, the
// body the records' numbers).
import { pipeline } from 'node:stream/promises';
import {
  acceptBody,
  parseClientJson,
  readJsonBody,
  readSmallBody,
  type RequestContext,
} from '../../api/common/index.js';
import { sendValue, type InternalRoute } from '../../api/native/index.js';
import type { TargetDsort } from '../../dsort/index.js';
import { StoreError, badRequest } from '../../errors/index.js';
import { ContentType, Header } from '../../wire/index.js';

export function dsortRoute(dsort: TargetDsort): InternalRoute {
  return async (context, segments) => {
    const [id = '', what = '', ...rest] = segments;
    if (rest.length > 0) throw badRequest(`unknown dsort request ${context.path}`);
    const request = `${context.method} ${what}`;
    if (id === '') {
      if (context.method !== 'GET') throw notAllowed(context);
      sendValue(context.res, dsort.list());
      return;
    }
    switch (request) {
      case 'POST ':
        dsort.start(id, await readJsonBody(context));
        break;
      case 'GET ':
        sendValue(context.res, dsort.get(id).jobInfo());
        return;
      case 'POST sorting':
        dsort.get(id).startSorting();
        break;
      case 'GET records':
        sendValue(context.res, dsort.records(id));
        return;
      case 'POST records':
        return sendRecords(context, dsort, id);
      case 'POST plan':
        dsort.plan(id, await readPlan(context));
        break;
      case 'POST complete':
        dsort.get(id).complete();
        break;
      case 'DELETE abort':
        dsort.abort(
          id,
          context.query.get('reason') ?? 'aborted by request',
          context.query.get('failure') === 'true',
        );
        break;
      case 'DELETE ':
        dsort.remove(id);
        break;
      default:
        throw notAllowed(context);
    }
    context.res.end();
  };
}

async function sendRecords(context: RequestContext, dsort: TargetDsort, id: string): Promise<void> {
  acceptBody(context);
  const data = await readSmallBody(context.req, maxRecordListBytes, 'dsort record list');
  const { size, body } = dsort.recordsBody(
    id,
    parseClientJson(data.toString('utf8'), 'dsort record list'),
  );
  context.res.writeHead(200, {
    [Header.contentType]: ContentType.octetStream,
    [Header.contentLength]: String(size),
  });
  await pipeline(body, context.res);
}

/** Largest list of record numbers accepted: one output shard's records held by one target. */
const maxRecordListBytes = 64 << 20;

/** Largest plan accepted: a target's share of the output shards with their records' metadata. */
const maxPlanBytes = 512 << 20;

async function readPlan(context: RequestContext): Promise<unknown> {
  acceptBody(context);
  const data = await readSmallBody(context.req, maxPlanBytes, 'dsort plan');
  return parseClientJson(data.toString('utf8'), 'dsort plan');
}

function notAllowed(context: RequestContext): StoreError {
  return new StoreError('MethodNotAllowed', `${context.method} ${context.path} is not allowed`);
}
