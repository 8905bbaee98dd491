// Cluster map (Smap) decoding and HRW owner selection: which target serves an object, computed the
// way the gateways compute it, so a direct request lands where a redirect would have sent it.
import { nodeDigest, PlacementTable } from '../placement/index.js';
import {
  NodeFlag,
  objectUname,
  type BucketJson,
  type ClusterMapJson,
  type NodeJson,
} from '../wire/index.js';
import { asRecord } from '../util/json.js';

// `id_digest` is a bare uint64 that may exceed 2^53; JSON.parse would round it. The pattern cannot
// match inside a JSON string, where the quotes around the key would be escaped.
const digestPattern = /"id_digest"\s*:\s*(\d+)/g;

/** JSON.parse that keeps every `id_digest` exact, as a bigint. */
export function parseJsonWithDigests(text: string): unknown {
  return JSON.parse(text.replace(digestPattern, '"id_digest":"$1"'), (key, value: unknown) =>
    key === 'id_digest' && typeof value === 'string' && /^\d+$/.test(value) ? BigInt(value) : value,
  );
}

/** Parses and sanity-checks a cluster map answer; throws an Error describing what is wrong. */
export function parseClusterMap(text: string): ClusterMapJson {
  const record = asRecord(parseJsonWithDigests(text));
  if (record === undefined) throw new Error('cluster map is not a JSON object');
  for (const key of ['tmap', 'pmap'] as const) {
    const nodes = record[key];
    if (nodes !== undefined && nodes !== null && asRecord(nodes) === undefined) {
      throw new Error(`cluster map "${key}" is not an object`);
    }
  }
  record['tmap'] ??= {};
  record['pmap'] ??= {};
  record['proxy_si'] ??= null;
  const version = record['version'];
  record['version'] = typeof version === 'number' ? String(version) : (version ?? '0');
  if (typeof record['version'] !== 'string')
    throw new Error('cluster map "version" is not a string');
  return record as unknown as ClusterMapJson;
}

/** The node's public URL (`public_net.direct_url`, else built from its address and port). */
export function nodePublicUrl(node: NodeJson): string {
  const net = node.public_net;
  if (net.direct_url !== '') return net.direct_url.replace(/\/+$/, '');
  return `http://${net.node_ip_addr}:${net.daemon_port}`;
}

/** True for nodes that placement skips: in maintenance or being decommissioned. */
export function isOutOfService(node: NodeJson): boolean {
  return (node.flags & (NodeFlag.maintenance | NodeFlag.decommission)) !== 0;
}

interface TargetCandidate {
  readonly node: NodeJson;
  readonly digest: bigint;
}

/** Placement view of one cluster-map version: targets with their digests, computed once. */
export class PlacementMap {
  readonly map: ClusterMapJson;
  readonly #targets: PlacementTable<TargetCandidate>;

  constructor(map: ClusterMapJson) {
    this.map = map;
    this.#targets = new PlacementTable(
      Object.values(map.tmap)
        .filter((node) => !isOutOfService(node))
        .map((node) => ({ node, digest: nodeDigest(node.daemon_id) })),
    );
  }

  /** The target that owns `bucket/objectName`, or undefined when the map has no usable target. */
  owner(bucket: BucketJson, objectName: string): NodeJson | undefined {
    return this.#targets.owner(objectUname(bucket, objectName))?.node;
  }
}
