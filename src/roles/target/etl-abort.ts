// A target whose transformer keeps crashing asks the primary to abort the ETL cluster-wide (the
// stage becomes Aborted with the reason, as AIStore does when a pod fails).
import { apiPath, EtlPath, Resource } from '../../wire/index.js';
import type { NodeRuntime } from '../common/node-runtime.js';

export async function abortEtlOnPrimary(
  runtime: NodeRuntime,
  name: string,
  reason: string,
): Promise<void> {
  const primary = runtime.store.clusterMap?.primary;
  if (primary === undefined) throw new Error('no primary known to abort the ETL');
  await runtime.client.requestJson(
    `${primary.intraUrl}${apiPath(Resource.etl, name, EtlPath.stop)}`,
    {
      method: 'POST',
      body: { reason: `target ${runtime.id}: ${reason}` },
      timeoutMs: runtime.store.config.values.timeouts.control_ms,
    },
  );
}
