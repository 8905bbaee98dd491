// Where a kept version's (or delete marker's) EC pieces live: the one module that names them. The
// latest version's pieces are under the object's name; a kept version's under
// `<name>;<versionId>` in the holders' `%ec` and `%mt` trees (the separator of `%vr`'s file names)
// or, when that would exceed the 1024-byte name limit, under `.kept/<sha256 of name>;<versionId>`
// (fixed length). Their metafiles also carry the object's name (`obj_name`), so a holder knows
// whose version a piece is without parsing its name. A real object whose name has one of these
// forms shares the key: its metafile names another object or version, which `restoreObject`
// checks, so a restore never returns the wrong bytes (the two only lose their protection).
import { createHash } from 'node:crypto';
import { maxObjectNameBytes } from '../../storage/index.js';
import type { ErasureMetadataJson } from '../../wire/index.js';
import { restoredAttributes } from './ec-metadata.js';

const separator = ';';
const hashedPrefix = '.kept/';
const versionIdPattern = /^(null|[A-Za-z0-9]{32})$/;

/** The piece name of kept version `versionId` of `name` (always within the name limit). */
export function versionPieceName(name: string, versionId: string): string {
  const key = `${name}${separator}${versionId}`;
  if (Buffer.byteLength(key, 'utf8') <= maxObjectNameBytes) return key;
  const digest = createHash('sha256').update(name, 'utf8').digest('hex');
  return `${hashedPrefix}${digest}${separator}${versionId}`;
}

/**
 * The piece name of the current object (its name), of a version that is the latest (a delete
 * marker: its name too), or of a kept version (`versionPieceName`).
 */
export function pieceKeyOf(name: string, versionId: string | undefined, latest: boolean): string {
  if (versionId === undefined || latest) return name;
  return versionPieceName(name, versionId);
}

/**
 * The object name and version ID a held piece stands for when it is a kept version's: from its
 * metafile (`obj_name` and the version ID of its attributes), or, for metafiles written before
 * `obj_name` existed, from its name (`<name>;<versionId>` whose version ID the metafile confirms).
 */
export function keptVersionOf(
  metadata: ErasureMetadataJson,
): { name: string; versionId: string } | undefined {
  const versionId = restoredAttributes(metadata).versionId ?? 'null';
  if (metadata.obj_name !== undefined) {
    return metadata.obj_name === metadata.name ? undefined : { name: metadata.obj_name, versionId };
  }
  const parsed = versionOfPiece(metadata.name);
  return parsed?.versionId === versionId ? parsed : undefined;
}

/** The object name and version ID a piece name stands for, when it has the form. */
export function versionOfPiece(key: string): { name: string; versionId: string } | undefined {
  const index = key.lastIndexOf(separator);
  if (index <= 0) return undefined;
  const versionId = key.slice(index + 1);
  if (!versionIdPattern.test(versionId)) return undefined;
  return { name: key.slice(0, index), versionId };
}
