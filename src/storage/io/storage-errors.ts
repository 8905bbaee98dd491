// Turns file-system faults into the store's typed errors (full disk → insufficient storage).
import { hasErrnoCode, insufficientStorage, isStoreError } from '../../errors/index.js';

/** errno codes meaning "the path does not name a file here" (absent, or below a non-directory). */
export const missingCodes = ['ENOENT', 'ENOTDIR'] as const;

/**
 * errno codes of a failing disk or file system (as opposed to a full one, or a missing file): they
 * make the target check the mountpath, and disable it when the check fails too.
 */
export const diskFaultCodes = ['EIO', 'ENXIO', 'ENODEV', 'EROFS'] as const;

/** True when `error` is an I/O error of the disk itself. */
export function isDiskFault(error: unknown): boolean {
  return hasErrnoCode(error, ...diskFaultCodes);
}

/** True when `error` says the path does not exist (or a parent is not a directory). */
export function isMissing(error: unknown): boolean {
  return hasErrnoCode(error, ...missingCodes);
}

/**
 * Maps ENOSPC/EDQUOT to `insufficientStorage` for `mountpath`; StoreErrors and anything else pass
 * through unchanged (other errno errors stay raw: they are unexpected faults, logged as 500s).
 */
export function toStorageError(error: unknown, mountpath: string): unknown {
  if (isStoreError(error)) return error;
  if (hasErrnoCode(error, 'ENOSPC', 'EDQUOT')) {
    return insufficientStorage(`mountpath ${mountpath}`, { cause: error });
  }
  return error;
}
