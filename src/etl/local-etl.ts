// One ETL as it runs on a target: its transformer process (hpush, hpull; io runs one process per
// object), work directory, the environment the transformer is given (`AIS_TARGET_URL`,
// `direct_put`), and its counters and failed objects.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  apiPath,
  EtlPath,
  Resource,
  type EtlEntryJson,
  type EtlObjErrorJson,
} from '../wire/index.js';
import type { EtlInlineJob } from './etl-inline-job.js';
import { specOf, type EtlSpec } from './etl-spec.js';
import { TransformerProcess } from './process/transformer-process.js';
import type { EtlTargetEnvironment } from './target-etl-environment.js';

export interface LocalEtl {
  readonly name: string;
  readonly xid: string;
  readonly secret: string;
  readonly spec: EtlSpec;
  readonly workdir: string;
  /** The transformer server (hpush, hpull); io runs one process per object. */
  readonly process: TransformerProcess | undefined;
  readonly ready: Promise<void>;
  stopped: boolean;
  objCount: number;
  inBytes: number;
  outBytes: number;
  errors: EtlObjErrorJson[];
  /** Failed objects of offline jobs, by job ID (the newest `maxJobErrorLists` jobs). */
  jobErrors: Map<string, EtlObjErrorJson[]>;
  /** Its `etl-inline` job here (ends when the ETL stops). */
  job: EtlInlineJob | undefined;
}

/** Offline jobs per ETL whose failed objects a target keeps. */
export const maxJobErrorLists = 16;

/**
 * Starts the ETL `entry` describes here (its transformer starting in the background: `ready`), or
 * logs why it cannot run on this target (a runtime it does not have) and returns undefined.
 */
export function launchLocalEtl(
  name: string,
  entry: EtlEntryJson,
  env: EtlTargetEnvironment,
): LocalEtl | undefined {
  const config = env.metadata.config.values.etl;
  let spec: EtlSpec;
  try {
    spec = specOf(entry.init_msg, config.runtimes);
  } catch (error) {
    env.log.error('ETL cannot run here', { etl: name, error });
    return undefined;
  }
  const workdir = join(env.dir, 'etl', name);
  const targetUrl = `${env.endpointUrl()}${apiPath(Resource.etl, EtlPath.object, name, entry.secret)}`;
  const processEnv = {
    ...spec.env,
    AIS_TARGET_URL: targetUrl,
    direct_put: String(spec.supportDirectPut),
  };
  const process =
    spec.communication === 'io'
      ? undefined
      : new TransformerProcess({
          name,
          argv: spec.argv,
          env: processEnv,
          cwd: workdir,
          initTimeoutMs: spec.initTimeoutMs,
          limits: {
            memoryBytes: config.limit_memory_bytes,
            cpuSeconds: config.limit_cpu_seconds,
            openFiles: config.limit_open_files,
          },
          restart: {
            backoffMs: config.restart_backoff_ms,
            backoffMaxMs: config.restart_backoff_max_ms,
            maxRestarts: config.max_restarts,
          },
          logBytes: config.log_bytes,
          clock: env.clock,
          log: env.log,
          onGiveUp: (reason) => {
            env
              .abortEtl(name, reason)
              .catch((error: unknown) =>
                env.log.error('could not abort a crashing ETL', { etl: name, error }),
              );
          },
        });
  const ready = mkdir(workdir, { recursive: true }).then(() => process?.start());
  ready.catch(() => undefined);
  return {
    name,
    xid: entry.xaction_id,
    secret: entry.secret,
    spec: { ...spec, env: processEnv },
    workdir,
    process,
    ready,
    stopped: false,
    objCount: 0,
    inBytes: 0,
    outBytes: 0,
    errors: [],
    jobErrors: new Map(),
    job: undefined,
  };
}

/** What `/v1/etl/_node/<name>/health` and the status say of it. */
export function etlHealth(local: LocalEtl): string {
  if (local.stopped) return 'Stopped';
  return local.process?.health ?? 'Running';
}
