// `PUT /v1/daemon` actions the primary sends a node on the intra-cluster port: leave after a
// decommission (stop membership, optionally wipe, exit unless told not to) and shut down.
import { refusedAction } from '../../api/native/index.js';
import { badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import { Action, type ActionMessage } from '../../wire/index.js';
import type { NodeRuntime } from './node-runtime.js';

/** Delay between answering and exiting, so the answer reaches the primary. */
const exitDelayMs = 200;

/** What a role does when the cluster tells it to go. */
export interface DaemonExit {
  /** Stops keepalives and leadership: the node no longer takes part in the cluster. */
  leaveCluster(): void;
  /** Deletes the node's user data (a target's objects). */
  wipeUserData(): Promise<void>;
  /** Ends the process gracefully (the composition root decides how). */
  exitProcess(): void;
}

export async function handleDaemonAction(
  runtime: NodeRuntime,
  message: ActionMessage | undefined,
  exit: DaemonExit,
): Promise<undefined> {
  const value = asRecord(message?.value) ?? {};
  switch (message?.action) {
    case Action.decommissionNode:
      runtime.log.warn('decommissioned: leaving the cluster', value);
      exit.leaveCluster();
      if (value.rm_user_data === true) await exit.wipeUserData();
      if (value.keep_initial_config !== true) await runtime.store.forget();
      if (value.no_shutdown !== true) setTimeout(() => exit.exitProcess(), exitDelayMs).unref();
      return undefined;
    case Action.shutdownNode:
      runtime.log.warn('shutdown requested by the primary');
      setTimeout(() => exit.exitProcess(), exitDelayMs).unref();
      return undefined;
    case undefined:
      throw badRequest('PUT /v1/daemon: missing action message');
    default:
      throw refusedAction('node', message?.action ?? '');
  }
}
