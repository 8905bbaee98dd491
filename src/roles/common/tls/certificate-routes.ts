// Certificate reload and inspection (AIStore's `load-x509` and `what=tls_certificate`): a node
// re-reads its certificate files; on `/v1/cluster` a gateway does so on itself and every other node.
import { StoreError, badRequest } from '../../../errors/index.js';
import { ClusterPath, Resource, apiVersion, type TlsCertificateJson } from '../../../wire/index.js';
import { describeCertificate } from './certificate-json.js';
import type { NodeRuntime } from '../node-runtime.js';

/** How long one node may take to re-read its files. */
const reloadTimeoutMs = 15_000;

/** The certificate in use, as `GET /v1/daemon?what=tls_certificate` answers it. */
export function certificateInfo(runtime: NodeRuntime): TlsCertificateJson {
  if (runtime.certificates === undefined)
    throw badRequest('what=tls_certificate: this node serves plain HTTP (no certificate)');
  return describeCertificate(runtime.certificates.current, runtime.certificates.files.cert);
}

/** `PUT /v1/daemon/load-x509`: re-reads this node's files; a bad file keeps the old certificate. */
export async function reloadNodeCertificate(runtime: NodeRuntime): Promise<TlsCertificateJson> {
  if (runtime.certificates === undefined)
    throw badRequest('load-x509: this node serves plain HTTP (no certificate to reload)');
  try {
    const material = await runtime.certificates.reload();
    return describeCertificate(material, runtime.certificates.files.cert);
  } catch (error) {
    throw badRequest(`load-x509: ${(error as Error).message}; the previous certificate stays`);
  }
}

/**
 * `PUT /v1/cluster/load-x509`: every node of the cluster map re-reads its files. Answers each
 * node's certificate, or names the nodes that failed (the others keep their new certificate).
 */
export async function reloadClusterCertificates(
  runtime: NodeRuntime,
): Promise<Record<string, TlsCertificateJson>> {
  const map = runtime.store.clusterMap;
  if (map === undefined)
    throw new StoreError('ClusterNotReady', 'this node has no cluster map yet');
  const path = `/${apiVersion}/${Resource.daemon}/${ClusterPath.loadX509}`;
  const results = await Promise.allSettled(
    map.allNodes().map(async (node) => {
      const info =
        node.id === runtime.id
          ? await reloadNodeCertificate(runtime)
          : ((await runtime.client.requestJson(`${node.intraUrl}${path}`, {
              method: 'PUT',
              timeoutMs: reloadTimeoutMs,
            })) as TlsCertificateJson);
      return [node.id, info] as const;
    }),
  );
  const answers: Record<string, TlsCertificateJson> = {};
  const failures: string[] = [];
  results.forEach((result, index) => {
    const id = map.allNodes()[index]?.id ?? '?';
    if (result.status === 'fulfilled') answers[result.value[0]] = result.value[1];
    else failures.push(`${id}: ${(result.reason as Error).message}`);
  });
  if (failures.length > 0)
    throw badRequest(`load-x509 failed on ${failures.length} node(s): ${failures.join('; ')}`);
  return answers;
}
