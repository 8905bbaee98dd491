// `/v1/rebalance/...` on a target's intra-cluster port: `PUT objects/<bucket>/<name>` receives an
// object a peer moves here (verified, committed atomically), `GET objects/<bucket>/<name>` serves
// the local replica to a new owner looking for it (get-from-neighbor; never redirected, never
// recovered from elsewhere), `DELETE objects/<bucket>/<name>` removes the local replica (the owner
// deletes during a rebalance), `POST tombstones` drops what this target kept of objects deleted
// while it was away from the map, `GET tombstones?target=<id>` lists those this target owes
// target <id> (it asks on its return), and `GET status` reports this target's rebalance progress.
import { acceptBody, readJsonBody, type RequestContext } from '../../api/common/index.js';
import { bucketFromRequest, sendValue, type InternalRoute } from '../../api/native/index.js';
import { StoreError, badRequest } from '../../errors/index.js';
import {
  objectsSegment,
  parseTransferHeaders,
  statusSegment,
  tombstonesSegment,
  parseTombstonesJson,
  TransferHeader,
  transferHeaders,
  versionIdQuery,
  type RebalanceManager,
} from '../../protect/rebalance/index.js';
import type { LocalStore } from '../../storage/index.js';
import { validateObjectName } from '../../storage/layout/index.js';
import type { ObjectAddress } from '../../api/native/index.js';
import { lookupBucket } from '../common/bucket-lookup.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export function rebalanceRoute(
  runtime: NodeRuntime,
  store: LocalStore,
  manager: RebalanceManager,
): InternalRoute {
  return async (context, segments) => {
    const [what, bucketName = '', ...nameParts] = segments;
    if (what === statusSegment && context.method === 'GET') {
      sendValue(context.res, manager.status());
      return;
    }
    if (what === tombstonesSegment && context.method === 'GET') {
      const target = context.query.get('target');
      if (target === null || target === '') throw badRequest('expected ?target=<target ID>');
      sendValue(context.res, manager.owedTo(target));
      return;
    }
    if (what === tombstonesSegment && context.method === 'POST') {
      const body = parseTombstonesJson(await readJsonBody(context));
      if (typeof body === 'string') throw badRequest(body);
      await manager.applyTombstones(body);
      context.res.end();
      return;
    }
    if (what !== objectsSegment || bucketName === '' || nameParts.length === 0)
      throw badRequest(`unknown rebalance request ${context.method} ${context.path}`);
    const address: ObjectAddress = {
      bucket: bucketFromRequest(context, bucketName),
      name: nameParts.join('/'),
    };
    lookupBucket(runtime, address.bucket);
    validateObjectName(address.name);
    if (context.method === 'PUT') return receive(context, manager, address);
    if (context.method === 'GET') return serveLocal(context, store, address);
    if (context.method === 'DELETE') {
      // One version (a bucket that keeps history), or every replica of the object.
      const versionId = context.query.get(versionIdQuery) ?? undefined;
      await store.deleteObject(address.bucket, address.name, { versionId });
      context.res.end();
      return;
    }
    throw new StoreError('MethodNotAllowed', `${context.method} is not allowed on ${context.path}`);
  };
}

async function receive(
  context: RequestContext,
  manager: RebalanceManager,
  address: ObjectAddress,
): Promise<void> {
  const object = parseTransferHeaders(context.req.headers);
  acceptBody(context);
  await manager.commitMoved(address.bucket, address.name, object, context.req);
  const jobId = context.req.headers[TransferHeader.rebalanceId];
  if (typeof jobId === 'string') manager.received(jobId, object.size);
  context.res.end();
}

async function serveLocal(
  context: RequestContext,
  store: LocalStore,
  address: ObjectAddress,
): Promise<void> {
  const { object, body } = await store.getObject(address.bucket, address.name);
  context.res.writeHead(200, transferHeaders(object));
  await body.sendTo(context.res);
  context.res.end();
}
