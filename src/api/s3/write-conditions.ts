// Conditional writes: `If-None-Match: *` (create only) and `If-Match: <etag>` (replace only that
// object) on PutObject, CopyObject and CompleteMultipartUpload. The owner target checks the
// condition twice: when the request arrives (a failure is 412, or 404 for If-Match on an absent key,
// before any byte is stored), and again under the object's write lock as the new version commits.
// A condition that held on arrival but not at the commit lost to a concurrent write: 409
// ConditionalRequestConflict, and the client retries (as S3 says it should).
import type { IncomingHttpHeaders } from 'node:http';
import { StoreError, notImplemented } from '../../errors/index.js';
import type { S3ObjectInfo } from './ports.js';

/** What a conditional write asks of the object it replaces. */
export interface WriteCondition {
  /** `If-None-Match: *`: no current object may exist (a delete marker as latest counts as none). */
  ifNoneMatch?: '*';
  /** `If-Match`: the current object's ETag (unquoted), or `*` for any current object. */
  ifMatch?: string;
}

/** When the condition is checked: on arrival, or under the write lock at the commit. */
export type ConditionCheck = 'arrival' | 'commit';

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  const text = Array.isArray(value) ? value.join(',') : value;
  return text?.trim();
}

/** The write condition of a request's headers (undefined when it has none). */
export function parseWriteCondition(headers: IncomingHttpHeaders): WriteCondition | undefined {
  const ifNoneMatch = single(headers, 'if-none-match');
  const ifMatch = single(headers, 'if-match');
  if (ifNoneMatch === undefined && ifMatch === undefined) return undefined;
  const condition: WriteCondition = {};
  if (ifNoneMatch !== undefined) {
    // S3 takes only `*` here: a write conditional on "not this ETag" is not a thing it does.
    if (ifNoneMatch !== '*')
      throw notImplemented(`S3 write header "if-none-match" with a value other than "*"`);
    condition.ifNoneMatch = '*';
  }
  if (ifMatch !== undefined) {
    const etag = ifMatch.replace(/^W\//, '').replace(/"/g, '').trim();
    if (etag === '' || etag.includes(','))
      throw new StoreError('InvalidArgument', 'If-Match takes exactly one ETag', {
        argument: { name: 'If-Match', value: ifMatch },
      });
    condition.ifMatch = etag;
  }
  return condition;
}

/**
 * Throws when `condition` does not hold for `current` (the latest object; undefined when there is
 * none or a delete marker is the latest version).
 */
export function checkWriteCondition(
  condition: WriteCondition,
  current: S3ObjectInfo | undefined,
  check: ConditionCheck,
): void {
  const present = current !== undefined && current.deleteMarker !== true;
  let failure: StoreError | undefined;
  if (condition.ifNoneMatch === '*' && present) {
    failure = new StoreError(
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold (If-None-Match: the key exists)',
    );
  } else if (condition.ifMatch !== undefined && !present) {
    failure = new StoreError('ObjectNotFound', 'The specified key does not exist.');
  } else if (
    condition.ifMatch !== undefined &&
    condition.ifMatch !== '*' &&
    condition.ifMatch !== current?.etag
  ) {
    failure = new StoreError(
      'PreconditionFailed',
      'At least one of the pre-conditions you specified did not hold (If-Match: the ETag differs)',
    );
  }
  if (failure === undefined) return;
  if (check === 'arrival') throw failure;
  throw new StoreError(
    'ConditionalRequestConflict',
    'A conflicting operation occurred while this conditional write was in progress. Retry the request.',
  );
}
