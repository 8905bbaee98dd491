// `/v1/sort` (dSort, AIStore's `ais/dsort_hdl.go`): POST a RequestSpec to start a job (its ID
// answered as plain text), GET `?uuid=` for each target's metrics, GET for the list (`regex`,
// `only_active`), DELETE `/abort?uuid=` to abort, DELETE `?uuid=` to remove a finished job.
import { StoreError, badRequest } from '../../../errors/index.js';
import { readJsonBody } from '../../common/body.js';
import type { RequestContext } from '../../common/request-context.js';
import { sendValue } from '../json-response.js';
import type { DsortPort } from '../ports.js';

export async function handleSortRequest(
  context: RequestContext,
  port: DsortPort | undefined,
  segments: readonly string[],
): Promise<void> {
  if (port === undefined) throw badRequest('dSort (/v1/sort) is served by gateways');
  const [what = '', ...rest] = segments;
  if (rest.length > 0 || !['', 'abort'].includes(what))
    throw badRequest(`unknown path ${context.path}: expecting /v1/sort or /v1/sort/abort`);
  const id = context.query.get('uuid') ?? '';
  switch (`${context.method} ${what}`) {
    case 'POST ':
      sendValue(context.res, await port.start(await readJsonBody(context)));
      return;
    case 'GET ':
      if (id !== '') {
        sendValue(context.res, await port.metrics(id));
        return;
      }
      sendValue(
        context.res,
        await port.list(
          context.query.get('regex') ?? undefined,
          context.query.get('only_active') === 'true',
        ),
      );
      return;
    case 'DELETE abort':
      await port.abort(requireId(id));
      context.res.end();
      return;
    case 'DELETE ':
      await port.remove(requireId(id));
      context.res.end();
      return;
    default:
      throw new StoreError('MethodNotAllowed', `${context.method} ${context.path} is not allowed`);
  }
}

function requireId(id: string): string {
  if (id === '') throw badRequest('missing "uuid" query parameter (the dsort job ID)');
  return id;
}
