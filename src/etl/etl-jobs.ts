// Offline transforms (`etl-bck`, `etl-listrange`) on the copy engine: each target reads the
// selected objects it owns, passes each through the named ETL's transformer here (and its
// pipeline), and writes the output by the destination name's owner (or the transformer does, by
// direct put, when the ETL supports it and the owner is another target). The message is the copy's
// (TCBMsg / TCOMsg) with AIStore's transform keys: `id` (the ETL), `pipeline`, `request_timeout`.
import type { EtlMetadata } from '../cluster/index.js';
import { badRequest } from '../errors/index.js';
import {
  caselessRecord,
  copyDefinition,
  type CopyKind,
  type CopyStep,
  type JobDefinition,
  type JobKind,
} from '../jobs/index.js';
import { EtlStage } from '../wire/index.js';
import { etlNotFound, etlWrongStage } from './etl-errors.js';
import { parseGoDuration } from '../config/index.js';
import type { TargetEtl } from './target-etl.js';

export type EtlJobKind = Extract<CopyKind, 'etl-bck' | 'etl-listrange'>;

/** The transform part of an offline ETL job's message. */
export interface EtlJobOptions {
  /** The ETL (`id`). */
  etlName: string;
  /** Further ETLs, in order (`pipeline`). */
  pipeline: string[];
  /** Per object, instead of the ETL's `obj_timeout` (`request_timeout`). */
  timeoutMs: number | undefined;
}

/** Reads `id`, `pipeline` and `request_timeout` of an offline ETL job's message. */
export function parseEtlJobOptions(value: unknown, kind: EtlJobKind): EtlJobOptions {
  const record = caselessRecord(value, kind);
  const etlName = record.id;
  if (typeof etlName !== 'string' || etlName === '')
    throw badRequest(`${kind}: missing the ETL name ("id")`);
  const pipeline = record.pipeline ?? [];
  if (!Array.isArray(pipeline) || pipeline.some((item) => typeof item !== 'string' || item === ''))
    throw badRequest(`${kind}: "pipeline" must be a list of ETL names`);
  const timeout = record.request_timeout;
  let timeoutMs: number | undefined;
  if (typeof timeout === 'string' && timeout !== '')
    timeoutMs = parseGoDuration(timeout, `${kind} "request_timeout"`);
  else if (typeof timeout === 'number' && timeout > 0) timeoutMs = timeout / 1e6;
  else if (timeout !== undefined && timeout !== null && timeout !== '' && timeout !== 0)
    throw badRequest(`${kind}: "request_timeout" must be a duration such as "5m"`);
  return { etlName, pipeline: pipeline as string[], timeoutMs };
}

/** The ETL and every pipeline stage exist and run (404 / 409 with "etl job" as AIStore's). */
export function checkEtlJob(metadata: EtlMetadata | undefined, options: EtlJobOptions): void {
  for (const name of [options.etlName, ...options.pipeline]) {
    const entry = metadata?.get(name);
    if (entry === undefined) throw etlNotFound(name);
    if (entry.stage !== EtlStage.running) throw etlWrongStage(name, entry.stage, EtlStage.running);
  }
}

const etlJobKindNames: readonly EtlJobKind[] = ['etl-bck', 'etl-listrange'];

/** The kinds, for a gateway that accepts start requests. */
export const etlJobKinds: readonly JobKind[] = etlJobKindNames.map((name) => ({
  name,
  startable: false,
  bucketScoped: true,
  exclusive: false,
}));

/** The offline kinds on a target, transforming with its transformers. */
export function etlJobDefinitions(etl: TargetEtl): JobDefinition[] {
  return etlJobKindNames.map((kind) =>
    copyDefinition(kind, (request) => {
      const options = parseEtlJobOptions(request.args, kind);
      const step: CopyStep = async (environment, source, destination) => {
        const output = await etl.transformObject({
          etlName: options.etlName,
          bucket: source.bucket,
          name: source.name,
          args: undefined,
          pipeline: options.pipeline,
          jobId: request.id,
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          destination,
        });
        // Delivered by the transformer to the destination's owner (direct put).
        if (output.body === undefined) return { size: output.inBytes, sentTo: output.deliveredTo };
        const sentTo = await environment.storeObject(
          destination.bucket,
          destination.name,
          output.body,
          output.length,
        );
        return { size: output.inBytes, sentTo };
      };
      return step;
    }),
  );
}
