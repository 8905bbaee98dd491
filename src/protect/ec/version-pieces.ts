// Where a kept version's (or delete marker's) EC pieces live: under `<name>;<version ID>` in the
// holders' `%ec` and `%mt` trees (the separator of `%vr`'s file names), while the latest version's
// are under the object's name. A real object whose name ends the same way would share the key: its
// metafile then names another version ID, which `restoreObject` checks, so a restore never returns
// the wrong bytes (the two only lose their protection). Names longer than 1024 bytes minus the
// suffix cannot be keyed: such kept versions are not erasure-coded (logged).
import { maxObjectNameBytes } from '../../storage/index.js';

const separator = ';';
const versionIdPattern = /^(null|[A-Za-z0-9]{32})$/;

/** The piece name of version `versionId` of `name`, or undefined when it would be too long. */
export function versionPieceName(name: string, versionId: string): string | undefined {
  const key = `${name}${separator}${versionId}`;
  return Buffer.byteLength(key, 'utf8') <= maxObjectNameBytes ? key : undefined;
}

/** The object name and version ID a piece name stands for, when it has the form. */
export function versionOfPiece(key: string): { name: string; versionId: string } | undefined {
  const index = key.lastIndexOf(separator);
  if (index <= 0) return undefined;
  const versionId = key.slice(index + 1);
  if (!versionIdPattern.test(versionId)) return undefined;
  return { name: key.slice(0, index), versionId };
}
