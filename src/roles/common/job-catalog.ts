// Every job kind this build runs: the generic ones from `jobs` and the protection ones from
// `protect` and `etl` (which sit above `jobs`, so only roles can see them all).
import {
  jobDefinitions,
  lifecycleJobKind,
  moveBucketJobKind,
  type JobDefinition,
  type JobKind,
} from '../../jobs/index.js';
import { dsortJobKind } from '../../dsort/index.js';
import { etlJobKinds } from '../../etl/index.js';
import { protectionJobKinds } from '../../protect/index.js';

/** A kind by name (what a gateway needs to accept a start request). */
export function findJobKind(name: string): JobKind | undefined {
  return [
    ...jobDefinitions.map((definition) => definition.kind),
    ...protectionJobKinds,
    dsortJobKind,
    ...etlJobKinds,
    lifecycleJobKind,
    moveBucketJobKind,
  ].find((kind) => kind.name === name);
}

/** A definition by name among `definitions` (a target's, bound to its services). */
export function findDefinition(
  definitions: readonly JobDefinition[],
  name: string,
): JobDefinition | undefined {
  return definitions.find((definition) => definition.kind.name === name);
}
