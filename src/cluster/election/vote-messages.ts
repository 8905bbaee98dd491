// Bodies of the election requests between gateways (`/v1/vote/...` on the intra-cluster port),
// modelled on AIStore's VoteRecord.
import type { MetadataBundleJson } from '../metadata/metadata-store.js';

/** Sub-paths under `/v1/vote/`. */
export const VotePath = {
  /** A gateway that saw the primary fail asks the candidate to run the election. */
  init: 'init',
  /** The candidate asks for a vote. */
  proxy: 'proxy',
} as const;

/** `POST /v1/vote/proxy` and `POST /v1/vote/init`. */
export interface VoteRequestJson {
  candidate: string;
  /** The primary the requester believes failed. */
  primary: string;
  /** The requester's cluster map version (string, like Smap versions). */
  smap_version: string;
  /** Unix milliseconds. */
  start_time: number;
  initiator: string;
}

export const VoteAnswer = { yes: 'YES', no: 'NO' } as const;

/** A voter's answer; a YES carries the voter's metadata so the winner starts from the newest. */
export interface VoteResponseJson {
  vote: (typeof VoteAnswer)[keyof typeof VoteAnswer];
  reason?: string;
  metadata?: MetadataBundleJson;
}
