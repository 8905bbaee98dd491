// Primary election on a non-primary gateway. It watches the keepalives to the primary; when they
// have failed for `keepalive.primary_timeout_ms` and the primary does not answer a probe either, the
// first reachable candidate (see candidates.ts) asks every other gateway for a vote. A majority makes
// it primary: it gathers the newest metadata from every reachable node, then (through `onElected`)
// publishes a new cluster map naming itself. Voters agree only when they also cannot reach the
// primary and see no better live candidate.
import type { IntraClient } from '../../transport/index.js';
import type { Logger } from '../../util/log.js';
import { apiPath, Resource } from '../../wire/index.js';
import type { ClusterMap, ClusterNode } from '../metadata/cluster-map.js';
import type { MetadataBundleJson, MetadataStore } from '../metadata/metadata-store.js';
import { electionCandidates, votesNeeded } from './candidates.js';
import {
  VoteAnswer,
  VotePath,
  type VoteRequestJson,
  type VoteResponseJson,
} from './vote-messages.js';

/** Probes and votes are quick questions: never wait longer than this for one. */
const probeTimeoutMsMax = 2000;

export interface ElectorOptions {
  store: MetadataStore;
  self: ClusterNode;
  client: IntraClient;
  log: Logger;
  /** How long the primary has not answered this node's keepalives. */
  millisecondsSinceContact: () => number;
  /** True while this gateway is the primary (it then neither campaigns nor votes yes). */
  isPrimary: () => boolean;
  /** Called once this gateway won: it must take over as primary, replacing `failedPrimaryId`. */
  onElected: (failedPrimaryId: string) => Promise<void>;
}

export class Elector {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running = false;
  /** No new campaign (or nudge) before this time: gives the last one time to finish. */
  #quietUntilMs = 0;

  constructor(private readonly options: ElectorOptions) {}

  start(): void {
    const tick = (): void => {
      if (this.#stopped) return;
      this.#timer = setTimeout(() => {
        void this.#check().finally(tick);
      }, this.options.store.config.values.keepalive.interval_ms);
      this.#timer.unref();
    };
    tick();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  /** `POST /v1/vote/proxy`: answers a candidate. */
  async vote(request: VoteRequestJson): Promise<VoteResponseJson> {
    const { store, self } = this.options;
    const map = store.clusterMap;
    if (this.options.isPrimary()) return no(`${self.id} is the primary`);
    if (map === undefined) return no('no cluster map');
    if (map.primaryId !== request.primary)
      return no(`primary is ${map.primaryId} in map v${map.version}`);
    const primary = map.primary;
    if (primary !== undefined && (await this.#probe(primary)))
      return no(`primary ${primary.id} answers`);
    const best = await this.#firstLiveCandidate(map, request.candidate);
    if (best?.id !== request.candidate) return no(`better candidate ${best?.id ?? 'none'}`);
    this.#quietUntilMs = Date.now() + this.#primaryTimeoutMs();
    this.options.log.info('voted for a new primary', { candidate: request.candidate });
    return { vote: VoteAnswer.yes, metadata: store.toJson() };
  }

  /** `POST /v1/vote/init`: another gateway saw the primary fail and thinks we should lead. */
  init(request: VoteRequestJson): void {
    if (request.candidate !== this.options.self.id || this.#running) return;
    void this.#check(true);
  }

  async #check(nudged = false): Promise<void> {
    const { store, self } = this.options;
    if (this.#running || this.options.isPrimary()) return;
    if (!nudged && this.options.millisecondsSinceContact() <= this.#primaryTimeoutMs()) return;
    if (Date.now() < this.#quietUntilMs) return;
    const map = store.clusterMap;
    const primary = map?.primary;
    if (map === undefined || primary === undefined || primary.id === self.id) return;
    this.#running = true;
    try {
      if (await this.#probe(primary)) return;
      this.#quietUntilMs = Date.now() + this.#primaryTimeoutMs();
      const candidate = await this.#firstLiveCandidate(map, undefined);
      if (candidate === undefined) return;
      if (candidate.id !== self.id) {
        this.options.log.warn('primary unreachable; asking the candidate to run an election', {
          primary: primary.id,
          candidate: candidate.id,
        });
        await this.#post(candidate, VotePath.init, this.#request(map, candidate.id)).catch(
          () => undefined,
        );
        return;
      }
      await this.#campaign(map);
    } finally {
      this.#running = false;
    }
  }

  async #campaign(map: ClusterMap): Promise<void> {
    const { log, self } = this.options;
    const failed = map.primaryId;
    const voters = [...map.proxies.values()].filter(
      (node) => node.id !== self.id && node.id !== failed,
    );
    log.warn('primary unreachable; running for primary', {
      primary: failed,
      voters: voters.length,
    });
    const request = this.#request(map, self.id);
    const answers = await Promise.all(
      voters.map((voter) =>
        this.#post(voter, VotePath.proxy, request).then(
          (answer) => answer as VoteResponseJson,
          (error: unknown): VoteResponseJson => no(String(error)),
        ),
      ),
    );
    const yes = answers.filter((answer) => answer.vote === VoteAnswer.yes);
    if (yes.length + 1 < votesNeeded(map)) {
      log.warn('election lost', {
        yes: yes.length + 1,
        needed: votesNeeded(map),
        reasons: answers.map((answer) => answer.reason ?? answer.vote),
      });
      return;
    }
    log.info('election won', { yes: yes.length + 1, of: map.proxies.size });
    for (const answer of yes)
      if (answer.metadata !== undefined) await this.#accept(answer.metadata);
    await this.#gatherFromTargets(map);
    await this.options.onElected(failed);
  }

  /** Targets may hold metadata newer than any gateway's (the failed primary pushed it first). */
  async #gatherFromTargets(map: ClusterMap): Promise<void> {
    await Promise.all(
      [...map.targets.values()].map(async (target) => {
        try {
          const bundle = await this.options.client.requestJson(
            `${target.intraUrl}${apiPath(Resource.metadata)}`,
            { method: 'GET', timeoutMs: this.#probeTimeoutMs() },
          );
          await this.#accept(bundle as MetadataBundleJson);
        } catch {
          // An unreachable target catches up from the new primary later.
        }
      }),
    );
  }

  async #accept(bundle: MetadataBundleJson): Promise<void> {
    try {
      await this.options.store.acceptJson(bundle);
    } catch (error) {
      this.options.log.warn('ignored metadata from a peer', { error });
    }
  }

  /** The best candidate that answers (this gateway always does); `stopAt` ends the search early. */
  async #firstLiveCandidate(
    map: ClusterMap,
    stopAt: string | undefined,
  ): Promise<ClusterNode | undefined> {
    for (const candidate of electionCandidates(map, map.primaryId)) {
      if (candidate.id === this.options.self.id || candidate.id === stopAt) return candidate;
      if (await this.#probe(candidate)) return candidate;
    }
    return undefined;
  }

  #request(map: ClusterMap, candidate: string): VoteRequestJson {
    return {
      candidate,
      primary: map.primaryId,
      smap_version: String(map.version),
      start_time: Date.now(),
      initiator: this.options.self.id,
    };
  }

  async #post(node: ClusterNode, path: string, body: VoteRequestJson): Promise<unknown> {
    const request = path === VotePath.proxy ? { ...body, candidate: this.options.self.id } : body;
    return this.options.client.requestJson(`${node.intraUrl}${apiPath(Resource.vote, path)}`, {
      method: 'POST',
      body: request,
      timeoutMs: this.#probeTimeoutMs() * 2,
    });
  }

  async #probe(node: ClusterNode): Promise<boolean> {
    try {
      await this.options.client.requestJson(`${node.intraUrl}${apiPath(Resource.health)}`, {
        method: 'GET',
        timeoutMs: this.#probeTimeoutMs(),
      });
      return true;
    } catch {
      return false;
    }
  }

  #probeTimeoutMs(): number {
    return Math.min(probeTimeoutMsMax, this.options.store.config.values.timeouts.control_ms);
  }

  #primaryTimeoutMs(): number {
    return this.options.store.config.values.keepalive.primary_timeout_ms;
  }
}

function no(reason: string): VoteResponseJson {
  return { vote: VoteAnswer.no, reason };
}
