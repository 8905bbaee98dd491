// Control-plane requests that reach a node other than the primary are forwarded to the primary.
import type { RequestContext } from '../../api/common/index.js';
import { StoreError } from '../../errors/index.js';
import type { NodeRuntime } from './node-runtime.js';

/** Re-sends the request (same method, path, query, JSON body) to the primary's intra URL. */
export async function forwardToPrimary(
  runtime: NodeRuntime,
  context: RequestContext,
  body: unknown,
): Promise<unknown> {
  const primary = runtime.store.clusterMap?.primary;
  if (primary === undefined)
    throw new StoreError('ClusterNotReady', 'no primary gateway known yet');
  if (primary.id === runtime.id) throw new Error('forwardToPrimary called on the primary');
  return runtime.client.requestJson(`${primary.intraUrl}${context.path}${context.search}`, {
    method: context.method as 'PUT',
    body,
    timeoutMs: runtime.store.config.values.timeouts.control_ms * 3,
  });
}
