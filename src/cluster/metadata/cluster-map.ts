// The cluster map (Smap): every node, its URLs and state, the primary; immutable per version.
import { nodeDigest, PlacementTable } from '../../placement/index.js';
import {
  NodeFlag,
  type ClusterMapJson,
  type NetInfoJson,
  type NodeJson,
  type NodeRoleName,
} from '../../wire/index.js';

/** One node as the cluster map knows it. */
export interface ClusterNode {
  readonly id: string;
  readonly role: NodeRoleName;
  /** Where clients go (`public_net`): redirects, the SDK's direct mode. */
  readonly publicUrl: string;
  /** Intra-control (`intra_control_net`): keepalive, metadata sync, votes, job control. */
  readonly intraUrl: string;
  /** Intra-data (`intra_data_net`): object bytes between nodes (rebalance, EC, mirror, GetBatch). */
  readonly dataUrl: string;
  readonly flags: number;
  /** XXH64(id, seed): HRW digest. */
  readonly digest: bigint;
}

export function isInMaintenance(node: ClusterNode): boolean {
  return (node.flags & (NodeFlag.maintenance | NodeFlag.decommission)) !== 0;
}

/** Immutable snapshot of cluster membership; every change makes a new, higher version. */
export class ClusterMap {
  /** Active targets laid out for placement; built on the first `ownerOf` of this version. */
  #owners: PlacementTable<ClusterNode> | undefined;

  private constructor(
    readonly version: number,
    readonly uuid: string,
    readonly creationTime: string,
    readonly primaryId: string,
    readonly proxies: ReadonlyMap<string, ClusterNode>,
    readonly targets: ReadonlyMap<string, ClusterNode>,
  ) {}

  /** A brand-new cluster whose only member is its primary gateway. */
  static create(uuid: string, primary: ClusterNode): ClusterMap {
    return new ClusterMap(
      1,
      uuid,
      new Date().toISOString(),
      primary.id,
      new Map([[primary.id, primary]]),
      new Map(),
    );
  }

  static fromJson(json: ClusterMapJson): ClusterMap {
    const proxies = new Map(
      Object.values(json.pmap).map((node) => [node.daemon_id, nodeFromJson(node)]),
    );
    const targets = new Map(
      Object.values(json.tmap).map((node) => [node.daemon_id, nodeFromJson(node)]),
    );
    const primaryId = json.proxy_si?.daemon_id ?? '';
    return new ClusterMap(
      Number(json.version),
      json.uuid,
      json.creation_time,
      primaryId,
      proxies,
      targets,
    );
  }

  toJson(): ClusterMapJson {
    const primary = this.proxies.get(this.primaryId);
    return {
      tmap: Object.fromEntries([...this.targets].map(([id, node]) => [id, nodeToJson(node)])),
      pmap: Object.fromEntries([...this.proxies].map(([id, node]) => [id, nodeToJson(node)])),
      proxy_si: primary === undefined ? null : nodeToJson(primary),
      uuid: this.uuid,
      creation_time: this.creationTime,
      version: String(this.version),
    };
  }

  node(id: string): ClusterNode | undefined {
    return this.proxies.get(id) ?? this.targets.get(id);
  }

  get primary(): ClusterNode | undefined {
    return this.proxies.get(this.primaryId);
  }

  allNodes(): ClusterNode[] {
    return [...this.proxies.values(), ...this.targets.values()];
  }

  /** Targets eligible to own objects (not in maintenance or being decommissioned). */
  activeTargets(): ClusterNode[] {
    return [...this.targets.values()].filter((node) => !isInMaintenance(node));
  }

  /** The HRW owner of an object uname, or undefined when there is no active target. */
  ownerOf(uname: string): ClusterNode | undefined {
    this.#owners ??= new PlacementTable(this.activeTargets());
    return this.#owners.owner(uname);
  }

  /** A new version with `node` added or replaced (same ID re-registering with new URLs). */
  withNode(node: ClusterNode): ClusterMap {
    const proxies = new Map(this.proxies);
    const targets = new Map(this.targets);
    (node.role === 'proxy' ? proxies : targets).set(node.id, node);
    return this.next(proxies, targets, this.primaryId);
  }

  withoutNode(id: string): ClusterMap {
    const proxies = new Map(this.proxies);
    const targets = new Map(this.targets);
    proxies.delete(id);
    targets.delete(id);
    return this.next(proxies, targets, this.primaryId);
  }

  /** A new version with the node's flags replaced (maintenance, decommission). */
  withNodeFlags(id: string, flags: number): ClusterMap {
    const node = this.node(id);
    if (node === undefined) return this;
    return this.withNode(
      makeClusterNode(node.id, node.role, node.publicUrl, node.intraUrl, flags, node.dataUrl),
    );
  }

  withPrimary(id: string): ClusterMap {
    return this.next(new Map(this.proxies), new Map(this.targets), id);
  }

  /**
   * Same content, higher version: a restarted primary republishes so everyone re-syncs; a newly
   * elected one jumps further (`by`), past any version the failed primary may have kept unsent.
   */
  bumped(by = 1): ClusterMap {
    return new ClusterMap(
      this.version + by,
      this.uuid,
      this.creationTime,
      this.primaryId,
      this.proxies,
      this.targets,
    );
  }

  private next(
    proxies: Map<string, ClusterNode>,
    targets: Map<string, ClusterNode>,
    primaryId: string,
  ): ClusterMap {
    return new ClusterMap(
      this.version + 1,
      this.uuid,
      this.creationTime,
      primaryId,
      proxies,
      targets,
    );
  }
}

/**
 * Whether object placement differs between two maps: the sets of active targets differ. URLs and
 * flags that do not change which targets own objects (a restarted target) move nothing.
 */
export function placementDiffers(before: ClusterMap | undefined, after: ClusterMap): boolean {
  const ids = (map: ClusterMap | undefined): string =>
    (map?.activeTargets() ?? [])
      .map((node) => node.id)
      .sort()
      .join(',');
  return ids(before) !== ids(after);
}

/** Builds a node record; the digest always comes from the ID (never trusted from JSON). */
export function makeClusterNode(
  id: string,
  role: NodeRoleName,
  publicUrl: string,
  intraUrl: string,
  flags = 0,
  dataUrl = intraUrl,
): ClusterNode {
  return Object.freeze({ id, role, publicUrl, intraUrl, dataUrl, flags, digest: nodeDigest(id) });
}

/** A node's URLs from its JSON; an empty intra network falls back as AIStore's does (to public). */
export function nodeUrlsFromJson(json: NodeJson): {
  publicUrl: string;
  intraUrl: string;
  dataUrl: string;
} {
  const publicUrl = json.public_net.direct_url;
  const intraUrl = json.intra_control_net?.direct_url || publicUrl;
  return { publicUrl, intraUrl, dataUrl: json.intra_data_net?.direct_url || intraUrl };
}

function nodeFromJson(json: NodeJson): ClusterNode {
  const urls = nodeUrlsFromJson(json);
  return makeClusterNode(
    json.daemon_id,
    json.daemon_type,
    urls.publicUrl,
    urls.intraUrl,
    json.flags,
    urls.dataUrl,
  );
}

function nodeToJson(node: ClusterNode): NodeJson {
  return {
    daemon_id: node.id,
    daemon_type: node.role,
    public_net: netInfo(node.publicUrl),
    intra_control_net: netInfo(node.intraUrl),
    intra_data_net: netInfo(node.dataUrl),
    flags: node.flags,
    id_digest: node.digest,
  };
}

function netInfo(url: string): NetInfoJson {
  const parsed = new URL(url);
  return { node_ip_addr: parsed.hostname, daemon_port: parsed.port, direct_url: url };
}
