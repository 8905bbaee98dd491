// Waiting for a starting playground: every node answers /v1/health 200 and the primary's cluster
// map lists all proxies and targets. Bounded; a node process that exits ends the wait at once.
import { Client, type ClientOptions, type ClusterMapJson } from '../../sdk/index.js';
import { sleep } from '../../util/time.js';
import { errorLine } from '../cli-errors.js';
import type { NodePlan } from './layout.js';

/** Why a wait failed: the node to blame (its log is shown) and what happened. */
export class StartupFailure extends Error {
  readonly node: NodePlan;
  constructor(node: NodePlan, message: string) {
    super(`${node.name}: ${message}`);
    this.name = 'StartupFailure';
    this.node = node;
  }
}

const pollIntervalMs = 250;
const probeTimeoutMs = 2_000;

/**
 * Resolves once `node` answers /v1/health with 200 (only `live`: the process answers, as the
 * primary does before any target joined); rejects at the deadline or when `exited` resolves, with
 * its reason (`process exited with code 1`).
 */
export async function waitHealthy(
  node: NodePlan,
  exited: Promise<string>,
  deadlineMs: number,
  check: 'ready' | 'live' = 'ready',
  trust: ClientOptions = {},
): Promise<void> {
  const exit: { reason?: string } = {};
  void exited.then((reason) => {
    exit.reason = reason;
  });
  await poll(node, deadlineMs, trust, async (client) => {
    if (exit.reason !== undefined) throw new StartupFailure(node, exit.reason);
    await client.health({ live: check === 'live' });
    return true;
  });
}

/** Resolves with the primary's map once it lists the expected numbers of proxies and targets. */
export async function waitClusterMap(
  primary: NodePlan,
  proxies: number,
  targets: number,
  deadlineMs: number,
  trust: ClientOptions = {},
): Promise<ClusterMapJson> {
  return await poll(primary, deadlineMs, trust, async (client) => {
    const map = await client.clusterMap({ refresh: true });
    const proxyCount = Object.keys(map.pmap).length;
    const targetCount = Object.keys(map.tmap).length;
    if (proxyCount >= proxies && targetCount >= targets) return map;
    throw new Error(
      `cluster map v${map.version} lists ${proxyCount} of ${proxies} proxies and ${targetCount} of ${targets} targets`,
    );
  });
}

/**
 * Calls `probe` every poll interval until it returns. A StartupFailure ends the wait at once; other
 * errors are retried until the deadline, and the last one is reported.
 */
async function poll<T>(
  node: NodePlan,
  deadlineMs: number,
  trust: ClientOptions,
  probe: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client(node.publicUrl, {
    ...trust,
    timeoutMs: probeTimeoutMs,
    direct: false,
  });
  try {
    for (;;) {
      try {
        return await probe(client);
      } catch (error) {
        if (error instanceof StartupFailure) throw error;
        if (Date.now() >= deadlineMs) {
          throw new StartupFailure(node, `not ready in time: ${errorLine(error)}`);
        }
      }
      await sleep(pollIntervalMs);
    }
  } finally {
    await client.close();
  }
}
