// The version number a commit assigns to an object in a versioned bucket: the previous replica's
// plus one, found under the object's write lock.
import { isStoreError } from '../../errors/index.js';
import type { ReplicaPath } from '../layout/index.js';
import type { ObjectMetadata } from '../meta/index.js';
import { findRecord, type ReadReplica } from '../replica-lookup.js';
import type { StoreContext } from '../store-context.js';
import type { PutObjectRequest } from '../store-types.js';

/** A replica a lookup under the write lock found: where it is and its record. */
export interface KnownReplica {
  location: ReplicaPath;
  metadata: ObjectMetadata;
}

/** The version a commit assigns, and the previous replica it was derived from. */
export interface NumberedVersion {
  version: string;
  /** 'none': no replica on any mountpath; undefined: one whose record was unreadable. */
  previous: KnownReplica | 'none' | undefined;
}

/**
 * The previous version plus one; "1" when there is no previous object or no integer version. A
 * previous replica with an unreadable record does not block the PUT: overwriting is its repair.
 */
export async function nextVersion(
  context: StoreContext,
  request: PutObjectRequest,
): Promise<NumberedVersion> {
  let previous;
  try {
    previous = await findRecord(context, request.bucket, request.name);
  } catch (error) {
    if (isStoreError(error) && error.code === 'ObjectCorrupted') {
      return { version: '1', previous: undefined };
    }
    throw error;
  }
  return numberAfter(previous);
}

/** The version after `previous` (a lookup's find; undefined: none). */
export function numberAfter(previous: ReadReplica | undefined): NumberedVersion {
  if (previous === undefined) return { version: '1', previous: 'none' };
  const text = previous.metadata.version ?? '';
  const version = Number(text);
  return {
    version: /^\d+$/.test(text) && Number.isSafeInteger(version + 1) ? String(version + 1) : '1',
    previous,
  };
}
