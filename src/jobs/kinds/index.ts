// Every job kind this build implements; roles look kinds up here.
import type { JobDefinition } from '../job-environment.js';
import { archiveDefinition } from './archive-job.js';
import { copyBucketDefinition, copyListRangeDefinition } from './copy-objects-job.js';
import { deleteObjectsDefinition, evictObjectsDefinition } from './remove-objects-job.js';
import { lruDefinition } from './lru-job.js';
import { prefetchDefinition } from './prefetch-job.js';
import { promoteDefinition } from './promote-job.js';
import { summaryDefinition } from './summary-job.js';

export { LruCounter, type LruArgs } from './lru-job.js';
export { parsePrefetchMessage, prefetchSkippedCounter } from './prefetch-job.js';
export { SummaryCounter, type SummaryArgs } from './summary-job.js';

export { parseArchiveMessage } from './archive-job.js';
export { copyDefinition, type CopyStep } from './copy-objects-job.js';

export const jobDefinitions: readonly JobDefinition[] = [
  archiveDefinition,
  copyBucketDefinition,
  copyListRangeDefinition,
  deleteObjectsDefinition,
  evictObjectsDefinition,
  lruDefinition,
  prefetchDefinition,
  promoteDefinition,
  summaryDefinition,
];

export function findJobDefinition(kind: string): JobDefinition | undefined {
  return jobDefinitions.find((definition) => definition.kind.name === kind);
}
export * from './download/index.js';
