// What each native object and bucket route serves: its query parameters and its actions. Anything
// else AIStore defines is refused with 501 naming it, anything nobody defines with 400, before a
// redirect, a forward or a write: an ignored `object_to` turned a copy into a PUT that truncated
// the source, an ignored `append_type` turned appends into replacements.
import { badRequest, notImplemented, type StoreError } from '../../errors/index.js';
import {
  Action,
  AppendType,
  aisActionNames,
  aisQueryParameter,
  flagOffValues,
  flagOnValues,
  isQueryValueOff,
  Query,
} from '../../wire/index.js';
import type { RequestContext } from '../common/request-context.js';

/**
 * `object`: `/v1/objects/<bucket>/<object>`; `objects`: `/v1/objects/<bucket>` (AIStore's promote);
 * `bucket`: `/v1/buckets/<bucket>`; `buckets`: `/v1/buckets` (all buckets).
 */
export type NativeScope = 'object' | 'objects' | 'bucket' | 'buckets';

/** Values a route accepts for a parameter it reads (`any`: the route validates the value). */
type AcceptedValues = readonly string[] | 'any';

/**
 * Accepted on every route: bucket identity, the redirect markers gateways and targets add (and
 * AIStore's signature, which Cairn does not check), the log-silencing flag, and "do not add a
 * remote bucket to bucket metadata" (the gateway reads it: a remote bucket it would have added on
 * first access is answered 501 instead).
 */
const everywhere: ReadonlySet<string> = new Set([
  Query.provider,
  Query.namespace,
  Query.redirectProxyId,
  Query.redirectTime,
  Query.redirectMapVersion,
  Query.redirectBucketMetadataVersion,
  Query.redirectNonce,
  Query.redirectSignature,
  Query.silent,
  Query.dontAddRemoteBucket,
]);

/**
 * Every bucket Cairn holds is an ais bucket present in the cluster, so AIStore's presence filters
 * 0-4 (exists, present, present anywhere in the cluster; with or without props) all ask the one
 * question Cairn answers. 5 (exists only outside the cluster) is another question.
 */
const presenceInCluster: readonly string[] = ['', '0', '1', '2', '3', '4'];
const flagValues: readonly string[] = ['', ...flagOnValues, ...flagOffValues];

/**
 * The operation an object request asks for beyond the plain one: a PUT selects it by parameter
 * (`object_to`, `append_type`, `uploadId`, `archpath`, in that order), a POST or DELETE by its
 * action.
 */
export type ObjectOperation =
  '' | 'copy' | 'append' | 'part' | 'archive' | (typeof objectActions)[number];

const objectActions = [
  Action.multipartUpload,
  Action.multipartComplete,
  Action.multipartAbort,
  Action.evictListRange,
] as const;

/** The operation of an object request (`action`: the POST or DELETE body's, if any). */
export function objectOperation(context: RequestContext, action?: string): ObjectOperation {
  if (context.search === '' && action === undefined) return '';
  if (context.method === 'PUT') {
    const selected = (name: string): boolean => (context.query.get(name) ?? '') !== '';
    if (selected(Query.objectTo)) return 'copy';
    if (selected(Query.appendType)) return 'append';
    if (selected(Query.uploadId)) return 'part';
    if (selected(Query.archpath)) return 'archive';
    return '';
  }
  if (action === undefined) return '';
  return objectActions.find((known) => known === action) ?? '';
}

/**
 * The parameters each route (or operation of a route: `object PUT copy`) reads beyond
 * `everywhere`. An operation accepts only its own: `latest-ver` on a plain PUT is refused.
 */
const routeParameters: Readonly<Record<string, Readonly<Record<string, AcceptedValues>>>> = {
  // A read a gateway sent to a target in place of an unreachable owner names the owner.
  'object GET': {
    [Query.substituteFor]: 'any',
    [Query.latestVersion]: flagValues,
    [Query.archpath]: 'any',
    [Query.archmime]: 'any',
    [Query.archregx]: 'any',
    [Query.archmode]: 'any',
    [Query.etlName]: 'any',
    [Query.etlArgs]: 'any',
    [Query.etlPipeline]: 'any',
    [Query.originalUrl]: 'any',
  },
  'object HEAD': {
    [Query.originalUrl]: 'any',
    [Query.latestVersion]: flagValues,
    [Query.props]: 'any',
    [Query.presence]: presenceInCluster,
    [Query.substituteFor]: 'any',
  },
  'object PATCH': { [Query.setNewCustom]: flagValues },
  'object PUT copy': {
    [Query.objectTo]: 'any',
    [Query.etlName]: 'any',
    [Query.etlArgs]: 'any',
    [Query.latestVersion]: flagValues,
    [Query.synchronize]: flagValues,
  },
  'object PUT append': {
    [Query.appendType]: [AppendType.append, AppendType.flush],
    [Query.appendHandle]: 'any',
  },
  'object PUT part': { [Query.uploadId]: 'any', [Query.partNumber]: 'any' },
  'object PUT archive': { [Query.archpath]: 'any', [Query.archmime]: 'any' },
  'object POST mpt-complete': { [Query.uploadId]: 'any' },
  'object DELETE mpt-abort': { [Query.uploadId]: 'any' },
  // A summary (`bsumm_remote`: any non-empty value asks for one) and polling it by job ID.
  'bucket HEAD': {
    [Query.presence]: presenceInCluster,
    [Query.bucketSummary]: 'any',
    [Query.uuid]: 'any',
  },
  'buckets GET': { [Query.presence]: presenceInCluster },
  'bucket POST': {
    [Query.dontHeadRemoteBucket]: flagValues,
    [Query.bucketTo]: 'any',
    [Query.presence]: presenceInCluster,
  },
  'bucket DELETE': { [Query.keepBucketMetadata]: flagValues },
};

/** The actions each route runs; AIStore's client sets custom metadata with an empty action. */
const routeActions: Readonly<Record<string, ReadonlySet<string>>> = {
  'object PATCH': new Set(['']),
  'object POST': new Set([Action.multipartUpload, Action.multipartComplete]),
  'object DELETE': new Set([Action.multipartAbort, Action.evictListRange]),
  'objects POST': new Set([Action.promote, Action.blobDownload]),
  'buckets GET': new Set([Action.list]),
  'bucket GET': new Set([Action.list, Action.summaryBucket]),
  'bucket POST': new Set([
    Action.createBucket,
    Action.makeNCopies,
    Action.ecEncode,
    Action.copyBucket,
    Action.copyListRange,
    Action.prefetchListRange,
    Action.etlBucket,
    Action.etlListRange,
    Action.moveBucket,
  ]),
  'bucket DELETE': new Set([
    Action.destroyBucket,
    Action.deleteListRange,
    Action.evictListRange,
    Action.evictRemoteBucket,
  ]),
  'bucket PATCH': new Set([Action.setBucketProps, Action.resetBucketProps]),
  'bucket PUT': new Set([Action.archive]),
};

/**
 * Refuses a query parameter the route does not serve. A parameter AIStore defines whose value
 * means "off" (`latest-ver=false`, an empty `archpath`) leaves the request what it is, as in
 * AIStore, and passes.
 */
export function checkQuery(
  context: RequestContext,
  scope: NativeScope,
  operation: ObjectOperation = '',
): void {
  checkQueryNames(context);
  checkQueryValues(context, scope, operation);
}

/**
 * `checkQuery` for a request whose parameter names `checkQueryNames` has already checked (the
 * object route checks them before it reads an action).
 */
export function checkQueryValues(
  context: RequestContext,
  scope: NativeScope,
  operation: ObjectOperation = '',
): void {
  if (context.search === '') return;
  const accepted = routeTable.get(scope)?.get(context.method)?.get(operation) ?? {};
  for (const [name, value] of context.query) {
    if (everywhere.has(name)) continue;
    const values = Object.hasOwn(accepted, name) ? accepted[name] : undefined;
    if (values === 'any' || values?.includes(value) === true) continue;
    // A flag this route reads, with a value that is no boolean: a bad request, not a missing feature.
    if (values === flagValues)
      throw badRequest(
        `invalid value "${printable(value)}" of query parameter "${name}" (expected true or false)`,
      );
    const spec = aisQueryParameter(name);
    // Cairn's own parameter where no route of this request reads it.
    if (spec === undefined) throw badRequest(`invalid query parameter "${printable(name)}"`);
    if (values === undefined && isQueryValueOff(spec, value)) continue;
    const named = values === undefined ? `"${name}"` : `"${name}=${printable(value)}"`;
    throw notImplemented(`query parameter ${named} (${spec.meaning})`);
  }
}

/** `routeParameters` by scope, method and operation: looked up without making its key. */
type Accepted = Readonly<Record<string, AcceptedValues>>;
const routeTable = new Map<string, Map<string, Map<string, Accepted>>>();
for (const [route, accepted] of Object.entries(routeParameters)) {
  const [scope = '', method = '', operation = ''] = route.split(' ');
  const methods = routeTable.get(scope) ?? new Map<string, Map<string, Accepted>>();
  routeTable.set(scope, methods);
  const operations = methods.get(method) ?? new Map<string, Accepted>();
  methods.set(method, operations);
  operations.set(operation, accepted);
}

/**
 * Refuses (400) a parameter nobody defines: checked before an action is read, so that a request
 * naming one is a 400 whatever its action.
 */
export function checkQueryNames(context: RequestContext): void {
  if (context.search === '') return;
  for (const name of context.query.keys()) {
    if (everywhere.has(name) || aisQueryParameter(name) !== undefined) continue;
    // Cairn's own parameters (the substitute-read marker) are known where a route reads them.
    if (Object.values(routeParameters).some((accepted) => Object.hasOwn(accepted, name))) continue;
    throw badRequest(`invalid query parameter "${printable(name)}"`);
  }
}

/** Refuses an action the route does not run (never runs another operation in its place). */
export function checkAction(scope: NativeScope, method: string, action: string): void {
  if (routeActions[`${scope} ${method}`]?.has(action) === true) return;
  throw refusedAction(scope, action);
}

/** 501 naming an action AIStore defines, 400 for one nobody defines. `where`: e.g. `cluster`. */
export function refusedAction(where: string, action: string): StoreError {
  if (aisActionNames.has(action)) return notImplemented(`${where} action "${action}"`);
  return badRequest(`invalid ${where} action "${printable(action)}"`);
}

/** Error messages quote client input: bounded, and control characters escaped. */
function printable(text: string): string {
  const bounded = text.length > 100 ? `${text.slice(0, 100)}...` : text;
  return JSON.stringify(bounded).slice(1, -1);
}
