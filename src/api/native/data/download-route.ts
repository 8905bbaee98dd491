// `/v1/download` on gateways (AIStore's `ais/prxdl.go`): POST a start body to start a job (the
// answer is `{"id": "dnl-..."}`), GET with an admin body `{"id"}` for its status or without an ID
// for the list (`regex`, `only_active_tasks`), DELETE `/abort` and `/remove` with `{"id"}`. The
// admin keys may also come as query parameters; body keys match case-insensitively.
import { StoreError, badRequest } from '../../../errors/index.js';
import { asRecord } from '../../../util/json.js';
import { DownloadPath, type DownloadAdminJson } from '../../../wire/index.js';
import { readJsonBody } from '../../common/body.js';
import type { RequestContext } from '../../common/request-context.js';
import { sendValue } from '../json-response.js';
import type { DownloadPort } from '../ports.js';

const paths: readonly string[] = ['', DownloadPath.abort, DownloadPath.remove];

export async function handleDownloadRequest(
  context: RequestContext,
  port: DownloadPort,
  segments: readonly string[],
): Promise<void> {
  const [what = '', ...rest] = segments;
  if (rest.length > 0 || !paths.includes(what))
    throw badRequest(
      `unknown path ${context.path}: expecting /v1/download, /v1/download/abort or /v1/download/remove`,
    );
  switch (`${context.method} ${what}`) {
    case 'POST ':
      sendValue(context.res, await port.start(await readJsonBody(context), context));
      return;
    case 'GET ': {
      const admin = await readAdmin(context, false);
      const onlyActive = admin.only_active_tasks === true;
      sendValue(
        context.res,
        admin.id === undefined
          ? await port.list(admin.regex, onlyActive)
          : await port.status(admin.id, onlyActive),
      );
      return;
    }
    case `DELETE ${DownloadPath.abort}`:
      await port.abort((await readAdmin(context, true)).id ?? '');
      context.res.end();
      return;
    case `DELETE ${DownloadPath.remove}`:
      await port.remove((await readAdmin(context, true)).id ?? '');
      context.res.end();
      return;
    default:
      throw new StoreError(
        'MethodNotAllowed',
        `invalid method ${context.method} for ${context.path}; expected one of GET, DELETE, POST`,
      );
  }
}

/** AIStore's AdminBody, from the body or the query; `id` and `regex` exclude each other. */
async function readAdmin(context: RequestContext, requireId: boolean): Promise<DownloadAdminJson> {
  const body = await readJsonBody(context);
  const record = body === undefined ? {} : asRecord(body);
  if (record === undefined)
    throw badRequest('download: expected {"id", "regex", "only_active_tasks"}');
  const fields = new Map(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
  const { query } = context;
  const text = (key: string): string => {
    const value = fields.get(key) ?? query.get(key) ?? '';
    if (typeof value !== 'string') throw badRequest(`download: "${key}" must be a string`);
    return value;
  };
  const id = text('id');
  const regex = text('regex');
  const active = fields.get('only_active_tasks') ?? query.get('only_active_tasks') ?? false;
  if (typeof active !== 'boolean' && active !== 'true' && active !== 'false')
    throw badRequest('download: "only_active_tasks" must be true or false');
  if (id !== '' && regex !== '')
    throw badRequest(
      `regex "${regex}" and job ID "${id}" cannot be defined together (choose one or the other)`,
    );
  if (requireId && id === '') throw badRequest('UUID not specified');
  return {
    ...(id === '' ? {} : { id }),
    ...(regex === '' ? {} : { regex }),
    only_active_tasks: active === true || active === 'true',
  };
}
