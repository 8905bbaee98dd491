// The native API router: `/v1/<resource>/...` to the route module of each resource.
import { StoreError, badRequest, notImplemented, rejection } from '../../errors/index.js';
import { Query, Resource } from '../../wire/index.js';
import { readJsonBody } from '../common/body.js';
import type { RequestHandler } from '../common/http-server.js';
import type { RequestContext } from '../common/request-context.js';
import { handleBucketRequest } from './bucket-routes.js';
import { handleDownloadRequest } from './data/download-route.js';
import { sendAnswer } from './json-response.js';
import { handleErasureCodingRequest } from './erasure-coding-routes.js';
import { handleBatchRequest } from './shards/get-batch-route.js';
import { handleHealthRequest } from './health-route.js';
import { handleJobsRequest } from './job-routes.js';
import { handleObjectRequest } from './object-routes.js';
import { handleSortRequest } from './shards/sort-routes.js';
import type { NativeApiPorts } from './ports.js';

export function createNativeHandler(ports: NativeApiPorts): RequestHandler {
  // Not an async function: the route's promise is handed on as it is (an async wrapper made a
  // second one per request, resolved with the route's a microtask later); a refusal before any
  // route is a rejected promise, as it was.
  return (context: RequestContext): Promise<void> | undefined => {
    try {
      return route(context, ports);
    } catch (error) {
      return rejection(error);
    }
  };
}

function route(context: RequestContext, ports: NativeApiPorts): Promise<void> | undefined {
  const { segments } = context;
  if (segments[0] !== 'v1')
    throw new StoreError('BadRequest', `unknown path ${context.path}: expecting /v1/...`);
  const resource = segments[1];
  // An object's request reads its bucket and name by index: no arrays made for them (a GET of
  // a name without `/` makes none at all).
  if (resource === Resource.objects) {
    const bucketName = segments[2] ?? '';
    if (bucketName === '') throw badRequest('missing bucket name in /v1/objects/<bucket>/<object>');
    const name = segments.length === 4 ? (segments[3] as string) : segments.slice(3).join('/');
    return handleObjectRequest(context, ports.objects, bucketName, name, ports.etl);
  }
  const rest = segments.slice(2);
  switch (resource) {
    case Resource.buckets:
      return handleBucketRequest(
        context,
        ports.buckets,
        rest[0],
        rest.slice(1),
        ports.bucketSummary,
      );
    case Resource.health:
      return handleHealthRequest(context, ports.cluster);
    case Resource.daemon:
    case Resource.cluster:
      return handleClusterRequest(context, ports, resource);
    case Resource.jobs:
      return handleJobsRequest(context, ports.jobs);
    case Resource.reverse:
      // AIStore: only gateways forward requests to a node (`Ais-Node-Id`).
      if (ports.reverse === undefined)
        throw badRequest(`invalid request URI ${context.path}: not a gateway`);
      return ports.reverse(context, rest);
    case Resource.etl:
      if (ports.etl === undefined) throw notImplemented('ETL on this node');
      return ports.etl.handle(context, rest);
    case Resource.ml:
      return handleBatchRequest(context, ports.batch, rest);
    case Resource.sort:
      return handleSortRequest(context, ports.dsort, rest);
    case Resource.erasureCoding:
      return handleErasureCodingRequest(context, ports.erasureCoding, rest);
    case Resource.metasync:
      if (!context.intra || context.method !== 'PUT') {
        throw new StoreError(
          'MethodNotAllowed',
          'metasync is accepted only as PUT on the intra-cluster port',
        );
      }
      return metasync(context, ports);
    case Resource.download:
      // Gateways serve the downloader; a target, its share of each job (intra-cluster).
      if (ports.download !== undefined) return handleDownloadRequest(context, ports.download, rest);
      return routeInternal(context, ports, resource, rest);
    default:
      return routeInternal(context, ports, resource, rest);
  }
}

async function metasync(context: RequestContext, ports: NativeApiPorts): Promise<void> {
  await ports.cluster.metasync(await readJsonBody(context));
  context.res.end();
}

/** A node-to-node resource a role added, served only on the intra-cluster port. */
function routeInternal(
  context: RequestContext,
  ports: NativeApiPorts,
  resource: string | undefined,
  rest: readonly string[],
): Promise<void> {
  const route = resource === undefined ? undefined : ports.internal?.[resource];
  if (route === undefined)
    throw badRequest(`unknown resource "${resource ?? ''}" in ${context.path}`);
  if (!context.intra) {
    throw new StoreError(
      'MethodNotAllowed',
      `/v1/${resource ?? ''} is served only on the intra-cluster port`,
    );
  }
  return route(context, rest);
}

async function handleClusterRequest(
  context: RequestContext,
  ports: NativeApiPorts,
  scope: 'daemon' | 'cluster',
): Promise<void> {
  if (context.method === 'GET') {
    const what = context.query.get(Query.what);
    if (what === null || what === '')
      throw badRequest(`GET /v1/${scope}: missing "what" query parameter`);
    await sendAnswer(context.res, await ports.cluster.query(scope, what, context));
    return;
  }
  await sendAnswer(context.res, await ports.cluster.control(scope, context));
}
