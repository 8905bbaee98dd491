// Targets this node found unreachable just now, before the cluster map drops them (which waits for
// keepalives to time out). Reads of objects they own go to the next target in HRW order, which
// serves them in their place (see roles/target/objects/substitute-reads.ts). Evidence is a failed connection
// of this node's own, or a client's report checked with a probe; it expires quickly, so a target
// that comes back gets its reads again within seconds.
import type { ClusterMap, ClusterNode } from '../../cluster/index.js';
import { highestRandomWeightList, objectDigest } from '../../placement/index.js';
import { StoreError, isStoreError } from '../../errors/index.js';
import type { IntraClient } from '../../transport/index.js';
import { apiPath, Query } from '../../wire/index.js';

/** How long a probe may take before the target counts as unreachable. */
const probeTimeoutMs = 1_000;

/** How long a target counts as unreachable after the evidence. */
const unreachableForMs = 5_000;

/** Error codes of a connection that could not be made or was cut before an answer. */
const connectionFailureCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** True when `error` (or one of its causes) says the peer could not be connected to or hung up. */
export function isConnectionFailure(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (code !== undefined && connectionFailureCodes.has(code)) return true;
    current = current.cause;
  }
  return false;
}

/** No target can stand in for the unreachable owner. */
export function unreachableOwner(owner: ClusterNode): StoreError {
  return new StoreError(
    'PeerUnreachable',
    `target t[${owner.id}] that stores the object is unreachable, and no other target is`,
  );
}

export class UnreachableTargets {
  /** Target ID → when the evidence expires (ms). */
  readonly #until = new Map<string, number>();
  readonly #probes = new Map<string, Promise<boolean>>();

  constructor(
    private readonly client: IntraClient,
    private readonly nowMs: () => number = Date.now,
  ) {}

  /** True while `node` counts as unreachable. */
  isUnreachable(node: ClusterNode): boolean {
    const until = this.#until.get(node.id);
    if (until === undefined) return false;
    if (until > this.nowMs()) return true;
    this.#until.delete(node.id);
    return false;
  }

  /** This node's own request to `node` failed to connect. */
  markUnreachable(node: ClusterNode): void {
    this.#until.set(node.id, this.nowMs() + unreachableForMs);
  }

  /**
   * Checks a client's report that `node` is unreachable with one probe of its own (shared by
   * concurrent reports); resolves true when the node counts as unreachable.
   */
  async confirm(node: ClusterNode): Promise<boolean> {
    if (this.isUnreachable(node)) return true;
    let probe = this.#probes.get(node.id);
    if (probe === undefined) {
      probe = this.#probe(node).finally(() => this.#probes.delete(node.id));
      this.#probes.set(node.id, probe);
    }
    return await probe;
  }

  /**
   * The target that stands in for `owner` (unreachable) for object `uname`: the next one in HRW
   * order that is not unreachable itself (with EC, the first holder of the object's pieces). A
   * candidate the client reported unreachable too (`reported`: origins) is checked first.
   */
  async substituteFor(
    map: ClusterMap,
    uname: string,
    owner: ClusterNode,
    reported: ReadonlySet<string> = new Set(),
  ): Promise<ClusterNode | undefined> {
    const targets = map.activeTargets();
    for (const node of highestRandomWeightList(objectDigest(uname), targets, targets.length)) {
      if (node.id === owner.id || this.isUnreachable(node)) continue;
      if (reported.has(new URL(node.publicUrl).origin) && (await this.confirm(node))) continue;
      return node;
    }
    return undefined;
  }

  async #probe(node: ClusterNode): Promise<boolean> {
    try {
      await this.client.requestJson(`${node.intraUrl}${apiPath('health')}?${Query.live}=true`, {
        method: 'GET',
        timeoutMs: probeTimeoutMs,
      });
      this.#until.delete(node.id);
      return false;
    } catch (error) {
      // An answer of any kind means the node is up; no answer in time counts as unreachable.
      if (isStoreError(error) && error.code !== 'PeerUnreachable') return false;
      this.markUnreachable(node);
      return true;
    }
  }
}
