// Reading job arguments as AIStore's gateway does: ArgsMsg (values of `start` and `stop`: Go field
// names, no JSON tags) and QueryMsg (bodies of `what=status|status_all|running_all|qryxstats`:
// `id`, `kind`, `bck`, `show_active`), keys matched case-insensitively like Go's JSON decoder, a
// null or missing bucket meaning none. Start and stop refuse keys ArgsMsg lacks (AIStore decodes
// action values strictly); queries ignore unknown keys.
import { readJsonBody, type RequestContext } from '../../api/common/index.js';
import { badRequest, unknownProvider } from '../../errors/index.js';
import { jobKindOf } from '../../jobs/index.js';
import { asRecord } from '../../util/json.js';
import {
  bucketDisplayName,
  isGlobalNamespace,
  normalizeProvider,
  Query,
  type BucketJson,
  type JobArgsJson,
} from '../../wire/index.js';

/** Which jobs a query or a stop selects. */
export interface JobSelection {
  id?: string | undefined;
  kind?: string | undefined;
  bucket?: BucketJson | undefined;
  onlyRunning?: boolean | undefined;
}

/** ArgsMsg's fields (AIStore `xact.ArgsMsg`), by lower-case key. */
const argsFields = ['id', 'kind', 'daemonid', 'bck', 'buckets', 'timeout', 'force', 'onlyrunning'];

/** The value of `start` or `stop`: a strict ArgsMsg (null: no arguments). */
export function parseJobArgs(value: unknown, action: string): JobArgsJson {
  if (value === null || value === undefined) return {};
  const fields = caseless(value, `${action}: value`);
  for (const key of fields.keys()) {
    if (!argsFields.includes(key) && key !== 'flags')
      throw badRequest(`${action}: failed to unmarshal: unknown field "${fields.get(key)?.key}"`);
  }
  const where = `${action}: value`;
  const args: JobArgsJson = {};
  const id = text(fields, 'id', where);
  const kind = text(fields, 'kind', where);
  const daemonId = text(fields, 'daemonid', where);
  const bucket = parseBucket(fields.get('bck')?.value, `${where}.Bck`);
  const buckets = parseBuckets(fields.get('buckets')?.value, `${where}.Buckets`);
  const timeout = fields.get('timeout')?.value;
  if (timeout !== undefined && timeout !== null && typeof timeout !== 'number')
    throw badRequest(`${where}: "Timeout" must be a number of nanoseconds`);
  if (id !== undefined) args.ID = id;
  if (kind !== undefined) args.Kind = kind;
  if (daemonId !== undefined) args.DaemonID = daemonId;
  if (bucket !== undefined) args.Bck = bucket;
  if (buckets.length > 0) args.Buckets = buckets;
  if (typeof timeout === 'number') args.Timeout = timeout;
  if (flag(fields, 'force', where) === true) args.Force = true;
  if (flag(fields, 'onlyrunning', where) === true) args.OnlyRunning = true;
  return args;
}

/**
 * A job query's body (QueryMsg; an ArgsMsg's `ID`, `Kind`, `Bck` match it case-insensitively, its
 * `DaemonID` is ignored as AIStore ignores it). An action-message wrapper is tolerated, and an
 * empty body selects everything; `?uuid=` names the job when the body does not.
 */
export async function readJobQuery(context: RequestContext): Promise<JobSelection> {
  let body = await readJsonBody(context);
  const wrapper = asRecord(body);
  if (wrapper !== undefined && 'action' in wrapper && 'value' in wrapper) body = wrapper.value;
  const where = `what=${context.query.get(Query.what) ?? ''}`;
  const fields =
    body === undefined || body === null ? new Map<string, Field>() : caseless(body, where);
  const id = text(fields, 'id', where) ?? context.query.get(Query.uuid) ?? undefined;
  const kind = text(fields, 'kind', where);
  return {
    id: id === '' ? undefined : id,
    // An unknown kind becomes '' and matches every kind, as on AIStore's gateway.
    kind: kind === undefined || kind === '' ? undefined : jobKindOf(kind) || undefined,
    bucket: parseBucket(fields.get('bck')?.value, `${where}: bck`),
    onlyRunning: flag(fields, 'show_active', where),
  };
}

/** AIStore's name of a selection (`QueryMsg.String`): `x-<kind>[<id>]-<bucket>-only-running`. */
export function describeSelection(selection: JobSelection): string {
  const id = selection.id ?? '';
  let name = id === '' ? `x-${selection.kind ?? ''}` : `x-${selection.kind ?? ''}[${id}]`;
  if (selection.bucket !== undefined) name += `-${bucketDisplayName(selection.bucket)}`;
  if (selection.onlyRunning === true) name += '-only-running';
  return name;
}

interface Field {
  key: string;
  value: unknown;
}

/** The object's keys by lower case (Go matches JSON keys to fields case-insensitively). */
function caseless(value: unknown, where: string): Map<string, Field> {
  const record = asRecord(value);
  if (record === undefined) throw badRequest(`${where}: failed to unmarshal: expected an object`);
  const fields = new Map<string, Field>();
  for (const [key, item] of Object.entries(record))
    fields.set(key.toLowerCase(), { key, value: item });
  return fields;
}

function text(fields: Map<string, Field>, key: string, where: string): string | undefined {
  const field = fields.get(key);
  if (field === undefined || field.value === null) return undefined;
  if (typeof field.value !== 'string')
    throw badRequest(`${where}: failed to unmarshal: "${field.key}" must be a string`);
  return field.value;
}

function flag(fields: Map<string, Field>, key: string, where: string): boolean | undefined {
  const field = fields.get(key);
  if (field === undefined || field.value === null) return undefined;
  if (typeof field.value !== 'boolean')
    throw badRequest(`${where}: failed to unmarshal: "${field.key}" must be true or false`);
  return field.value;
}

/** A bucket (cmn.Bck); null, missing or without a name means none. */
export function parseBucket(value: unknown, where: string): BucketJson | undefined {
  if (value === undefined || value === null) return undefined;
  const fields = caseless(value, where);
  const name = text(fields, 'name', where) ?? '';
  if (name === '') return undefined;
  const spelling = text(fields, 'provider', where) ?? '';
  const provider = normalizeProvider(spelling);
  if (provider === undefined) throw unknownProvider(spelling);
  const namespaceValue = fields.get('namespace')?.value;
  if (namespaceValue === undefined || namespaceValue === null) return { name, provider };
  const namespaceFields = caseless(namespaceValue, `${where}.namespace`);
  const namespace = {
    uuid: text(namespaceFields, 'uuid', `${where}.namespace`) ?? '',
    name: text(namespaceFields, 'name', `${where}.namespace`) ?? '',
  };
  return isGlobalNamespace(namespace) ? { name, provider } : { name, provider, namespace };
}

function parseBuckets(value: unknown, where: string): BucketJson[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest(`${where}: failed to unmarshal: expected an array`);
  return value.flatMap((item, index) => parseBucket(item, `${where}[${index}]`) ?? []);
}
