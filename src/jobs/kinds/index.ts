// Every job kind this build implements; roles look kinds up here.
import type { JobDefinition } from '../job-environment.js';
import { deleteObjectsDefinition } from './delete-objects-job.js';

export const jobDefinitions: readonly JobDefinition[] = [deleteObjectsDefinition];

export function findJobDefinition(kind: string): JobDefinition | undefined {
  return jobDefinitions.find((definition) => definition.kind.name === kind);
}
