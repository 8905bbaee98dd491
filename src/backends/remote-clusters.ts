// Attached remote AIStore-compatible clusters: who they are (alias, UUID and URLs, from the cluster
// config), which buckets are theirs (provider `ais` with a namespace UUID: `ais://@uuid/b`), and
// the one spelling of their namespace: an alias is replaced by the UUID on arrival (AIStore's
// a2u), so `ais://@alias/b` and `ais://@uuid/b` are one bucket with one placement.
import type { BucketJson, NamespaceJson } from '../wire/index.js';

/** One attached cluster. */
export interface RemoteCluster {
  alias: string;
  uuid: string;
  /** Its gateways' URLs, the first tried first. */
  urls: readonly string[];
}

/** The attached clusters, from the config's `backend.conf.ais` and `backend.remote_ais_uuids`. */
export function attachedClusters(
  urlsByAlias: Readonly<Record<string, readonly string[]>>,
  uuidsByAlias: Readonly<Record<string, string>>,
): RemoteCluster[] {
  return Object.entries(urlsByAlias).map(([alias, urls]) => ({
    alias,
    uuid: uuidsByAlias[alias] ?? '',
    urls,
  }));
}

/** True for a bucket of an attached (or unknown) remote AIS cluster: `ais://@<alias|uuid>/b`. */
export function isRemoteAisBucket(bucket: BucketJson): boolean {
  return bucket.provider === 'ais' && (bucket.namespace?.uuid ?? '') !== '';
}

/** The attached cluster a namespace's UUID part names, by UUID or by alias. */
export function findRemoteCluster(
  clusters: readonly RemoteCluster[],
  uuidOrAlias: string,
): RemoteCluster | undefined {
  return (
    clusters.find((cluster) => cluster.uuid === uuidOrAlias) ??
    clusters.find((cluster) => cluster.alias === uuidOrAlias)
  );
}

/** The namespace with an attached cluster's alias replaced by its UUID (others unchanged). */
export function canonicalNamespace(
  namespace: NamespaceJson,
  clusters: readonly RemoteCluster[],
): NamespaceJson {
  if (namespace.uuid === '') return namespace;
  const cluster = clusters.find((candidate) => candidate.alias === namespace.uuid);
  if (cluster === undefined || cluster.uuid === '') return namespace;
  return { uuid: cluster.uuid, name: namespace.name };
}
