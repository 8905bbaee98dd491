// `GET /v1/metadata` (intra-cluster): the node's whole metadata bundle, as metasync would push it.
// A newly elected primary gathers these to start from the newest versions any node holds.
import { StoreError } from '../../errors/index.js';
import type { InternalRoute } from '../../api/native/index.js';
import { sendValue } from '../../api/native/index.js';
import type { NodeRuntime } from './node-runtime.js';

export function metadataRoute(runtime: NodeRuntime): InternalRoute {
  return (context) => {
    if (context.method !== 'GET')
      throw new StoreError('MethodNotAllowed', '/v1/metadata answers GET only');
    sendValue(context.res, runtime.store.toJson());
    return Promise.resolve();
  };
}
