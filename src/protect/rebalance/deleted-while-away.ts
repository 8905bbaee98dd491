// Deletes that must outlive a target away from the cluster map. A target dropped for silence (or
// put in maintenance) keeps its replicas, mirror copies and EC pieces; when it is back it owns its
// names again, and a name deleted meanwhile by its stand-in owner (or by its owner, of which the
// away target held an EC piece) would come back from what it kept. So a DELETE taken while some
// target is away leaves a tombstone (`storage/meta/tombstones.ts`) naming the away targets; the
// returning target asks every peer for the tombstones naming it as soon as it is in the map again,
// before it serves object requests (it owns its names again at once: a GET there must not find
// the stale replica), and drops what it holds of each name up to the delete's time; a later PUT is
// newer and stays. The first rebalance that finds it active again tells it too (before this
// target's walk, so before any target's post-rebalance protection runs): the backstop for a peer
// it could not ask, and for a delete a peer took before it learnt of the return. Targets that left through decommission
// (or are still in the map) are not away. A move into this target older than a tombstone is
// dropped too. Tombstones go once every away target was told, or past the retention bound.
//
// Why not a tombstone for every delete: a delete while every target of the map is present reaches
// every replica and piece (the owner deletes its own, EC pieces go from every active target), so
// nothing stale can return; tombstones are only written while the map is short of a target.
import type { ClusterMap } from '../../cluster/index.js';
import type { Tombstone, Tombstones } from '../../storage/index.js';
import { sleep } from '../../util/time.js';
import {
  apiPath,
  NodeFlag,
  objectUname,
  parseObjectUname,
  Resource,
  type BucketJson,
} from '../../wire/index.js';
import type { RebalanceEnvironment } from './rebalance-environment.js';

/** `tombstones` under `/v1/rebalance/`: a peer tells this target of deletes it missed. */
export const tombstonesSegment = 'tombstones';
/** Tombstones sent per request. */
const batchSize = 1000;
/** Attempts to tell a target before the next rebalance tries again. */
const deliveryAttempts = 5;
/** Attempts to ask one peer, on return, for what it owes this target (then its rebalance tells). */
const askAttempts = 3;
/** Deadline of one such question: object requests wait for the answers. */
const askTimeoutMs = 5_000;

/** Takes back what `beforeDelete` recorded, for a delete that did not happen. */
export type UndoDelete = () => Promise<void>;
export const noUndo: UndoDelete = () => Promise.resolve();

/** The body of `POST /v1/rebalance/tombstones`. */
export interface TombstonesJson {
  tombstones: { uname: string; deleted_ms: number }[];
}

export class DeletedWhileAway {
  /** Targets away from the map (dropped for silence, or in maintenance): ID → since when. */
  readonly #away = new Map<string, number>();

  constructor(
    private readonly environment: RebalanceEnvironment,
    private readonly tombstones: Tombstones,
  ) {
    // After a restart: the away set saved, and targets still owed a tombstone (away when it was
    // written), until the map says they are back.
    const now = environment.store.clock.nowMs();
    for (const tombstone of tombstones.all())
      for (const id of tombstone.awayTargets) this.#away.set(id, now);
    for (const [id, since] of tombstones.awayTargets()) this.#away.set(id, since);
  }

  /** Follows a cluster map change: who left without decommission, who is back. */
  follow(previous: ClusterMap | undefined, current: ClusterMap): void {
    const now = this.environment.store.clock.nowMs();
    for (const [id, node] of previous?.targets ?? [])
      if (!current.targets.has(id) && (node.flags & NodeFlag.decommission) === 0)
        this.#away.set(id, now);
    for (const [id, node] of current.targets) {
      if ((node.flags & NodeFlag.decommission) !== 0) this.#away.delete(id);
      else if ((node.flags & NodeFlag.maintenance) !== 0) this.#away.set(id, now);
      else this.#away.delete(id);
    }
    const bound = now - this.#retentionMs();
    for (const [id, since] of this.#away) if (since < bound) this.#away.delete(id);
    this.#save();
  }

  /** Saves the away set when it changed: a restart of this target must not forget it. */
  #save(): void {
    const saved = this.tombstones.awayTargets();
    const same =
      saved.size === this.#away.size && [...this.#away.keys()].every((id) => saved.has(id));
    if (same) return;
    this.tombstones.saveAway(this.#away).catch((error: unknown) => {
      this.environment.log.warn('away targets not saved', { error });
    });
  }

  /** A DELETE of the current object of `bucket/name` is about to run here. */
  async beforeDelete(bucket: BucketJson, name: string): Promise<UndoDelete> {
    if (this.#away.size === 0) return noUndo;
    const { store, metadata } = this.environment;
    const added: Tombstone = {
      bucket,
      name,
      deletedAtMs: store.clock.nowMs(),
      mapVersion: metadata.clusterMap?.version ?? 0,
      awayTargets: [...this.#away.keys()],
    };
    const previous = await this.tombstones.add(added);
    return () => this.tombstones.restore(added, previous);
  }

  /** When `bucket/name` was deleted here while a target was away, if it was. */
  deletedAtMs(bucket: BucketJson, name: string): number | undefined {
    return this.tombstones.deletedAtMs(bucket, name);
  }

  /** The tombstones naming `targetId` (`GET /v1/rebalance/tombstones?target=`): asked on its return. */
  owedJson(targetId: string): TombstonesJson {
    return toJson(this.tombstones.owedTo(targetId));
  }

  /**
   * Asks every other target of the map (one in maintenance may have taken deletes before it
   * entered it) for the tombstones naming this target, and applies each answer. Bounded: a peer
   * that does not answer in `askAttempts` tries is left to its rebalance's delivery, so a peer
   * down never keeps this target from serving.
   */
  async askPeers(apply: (json: TombstonesJson) => Promise<void>): Promise<void> {
    const { metadata, nodeId, log } = this.environment;
    const peers = [...(metadata.clusterMap?.targets.values() ?? [])].filter(
      ({ id }) => id !== nodeId,
    );
    const query = `?target=${encodeURIComponent(nodeId)}`;
    await Promise.all(
      peers.map(async (peer) => {
        const url = `${peer.intraUrl}${apiPath(Resource.rebalance, tombstonesSegment)}${query}`;
        for (let attempt = 1; attempt <= askAttempts; attempt += 1) {
          try {
            const json = parseTombstonesJson(
              await this.environment.client.requestJson(url, {
                method: 'GET',
                timeoutMs: askTimeoutMs,
              }),
            );
            if (typeof json === 'string') throw new Error(`peer ${peer.id}: ${json}`);
            if (json.tombstones.length > 0) {
              await apply(json);
              log.info('applied deletes taken while away', {
                peer: peer.id,
                count: json.tombstones.length,
              });
            }
            return;
          } catch (error) {
            log.debug('asking a peer for tombstones failed', { peer: peer.id, attempt, error });
            await sleep(200 * attempt);
          }
        }
        log.warn('peer not asked for tombstones; its rebalance tells this target', {
          peer: peer.id,
        });
      }),
    );
  }

  /**
   * Tells every active target of the map the tombstones it is owed (drops expired ones first),
   * all targets at once: every target's walk waits for this. A target that cannot be told now is
   * told by the next rebalance.
   */
  async deliver(signal: AbortSignal): Promise<void> {
    const { metadata, nodeId, log } = this.environment;
    const expired = await this.tombstones.expire(
      this.environment.store.clock.nowMs() - this.#retentionMs(),
    );
    if (expired > 0) log.warn('tombstones expired before their targets returned', { expired });
    const targets = (metadata.clusterMap?.activeTargets() ?? []).filter(({ id }) => id !== nodeId);
    await Promise.all(
      targets.map(async (target) => {
        const owed = this.tombstones.owedTo(target.id);
        for (let start = 0; start < owed.length && !signal.aborted; start += batchSize) {
          const batch = owed.slice(start, start + batchSize);
          if (!(await this.#tell(target.intraUrl, batch, signal))) {
            log.warn('tombstones not delivered yet', { target: target.id, count: owed.length });
            return;
          }
          await this.tombstones.delivered(target.id, batch);
        }
      }),
    );
  }

  async #tell(url: string, batch: readonly Tombstone[], signal: AbortSignal): Promise<boolean> {
    const { client, metadata } = this.environment;
    const body = toJson(batch);
    for (let attempt = 1; attempt <= deliveryAttempts && !signal.aborted; attempt += 1) {
      try {
        await client.requestJson(`${url}${apiPath(Resource.rebalance, tombstonesSegment)}`, {
          method: 'POST',
          body,
          // A batch is small, its drops are a few disk calls each: a control exchange, not a
          // transfer (120 s a try would hold every target's walk for minutes).
          timeoutMs: metadata.config.values.timeouts.control_ms * 3,
        });
        return true;
      } catch (error) {
        this.environment.log.debug('tombstone delivery failed', { attempt, error });
        await sleep(200 * attempt, signal);
      }
    }
    return false;
  }

  #retentionMs(): number {
    return this.environment.metadata.config.values.rebalance.tombstone_retention_ms;
  }
}

function toJson(tombstones: readonly Tombstone[]): TombstonesJson {
  return {
    tombstones: tombstones.map((tombstone) => ({
      uname: objectUname(tombstone.bucket, tombstone.name),
      deleted_ms: tombstone.deletedAtMs,
    })),
  };
}

/** A tombstones body as received (a POST, or a peer's answer); a string says what is wrong. */
export function parseTombstonesJson(value: unknown): TombstonesJson | string {
  const tombstones = (value as Partial<TombstonesJson> | null)?.tombstones;
  if (!Array.isArray(tombstones)) return 'expected {"tombstones": [...]}';
  for (const entry of tombstones as unknown[]) {
    const { uname, deleted_ms: deletedMs } = (entry ?? {}) as Record<string, unknown>;
    if (typeof uname !== 'string' || typeof parseObjectUname(uname) === 'string')
      return `tombstone without a valid "uname": ${JSON.stringify(entry)}`;
    if (typeof deletedMs !== 'number' || !Number.isFinite(deletedMs))
      return `tombstone of ${uname} without a valid "deleted_ms"`;
  }
  return { tombstones: tombstones };
}
