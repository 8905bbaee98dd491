// Looking at what a cluster stored on disk (object files under `%ob`, EC slices under `%ec` and
// their metafiles, work files under `%wk`) and damaging it the way disks do.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { getAttribute } from 'fs-xattr';
import { decodeErasureMetadata, metafileInRecord } from '../../src/protect/index.js';
import { decodeObjectMetadata, metadataAttributeName } from '../../src/storage/meta/index.js';
import type { ErasureMetadataJson } from '../../src/wire/index.js';

export { flipByte } from '../../src/storage/store-fixtures.js';

/** Every regular file below `root` whose path contains `/<marker>/` (e.g. `%ob`), recursively. */
export async function findFiles(root: string, marker: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, inside: boolean): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path, inside || entry.name === marker);
      else if (entry.isFile() && inside) found.push(path);
    }
  };
  await walk(root, false);
  return found;
}

/**
 * One walk of `root` for each marker, then any number of objects looked up in it: checking many
 * objects walks the tree once instead of once per object (a walk of a cluster's dir costs tens of
 * ms of CPU, which made a 200-object check cost seconds).
 */
export class DiskWalk {
  private constructor(readonly found: ReadonlyMap<string, readonly string[]>) {}

  static async of(root: string, markers: readonly string[]): Promise<DiskWalk> {
    const found = new Map<string, string[]>();
    for (const marker of markers) found.set(marker, await findFiles(root, marker));
    return new DiskWalk(found);
  }

  /**
   * Files under `/<marker>/` whose path ends with `/<name>` (an object's replicas or pieces),
   * leaving out quarantined ones.
   */
  filesOf(marker: string, name: string): string[] {
    const found = this.found.get(marker);
    if (found === undefined) throw new Error(`${marker} was not walked`);
    return found.filter(
      (path) => path.endsWith(`/${marker}/${name}`) && !path.includes('/.cairn.quarantine/'),
    );
  }

  /**
   * Every EC metafile of piece name `name` in both forms (docs/formats/ec-metadata.md): the record
   * of a piece file under `%ec` that carries one, and `%mt` files (main replicas, pieces in the
   * two-file form) beside no such piece file. Needs a walk of `%ec` and `%mt`.
   */
  async metafilesOf(name: string): Promise<FoundMetafile[]> {
    const found: FoundMetafile[] = [];
    const inRecords = new Set<string>();
    for (const path of this.filesOf('%ec', name)) {
      const record = decodeObjectMetadata(await getAttribute(path, metadataAttributeName), path);
      const metadata = metafileInRecord(record, path);
      if (metadata === undefined) continue;
      found.push({ path, metadata });
      inRecords.add(path.replace(`/%ec/`, '/%mt/'));
    }
    for (const path of this.filesOf('%mt', name)) {
      if (inRecords.has(path)) continue;
      const metadata = decodeErasureMetadata(await readFile(path), path);
      found.push({ path, metadata });
    }
    return found;
  }
}

/** An object's files under `/<marker>/` below `root` (one fresh walk; see `DiskWalk`). */
export async function filesOf(root: string, marker: string, name: string): Promise<string[]> {
  return (await DiskWalk.of(root, [marker])).filesOf(marker, name);
}

/** An EC metafile found on disk, and the file that holds it. */
export interface FoundMetafile {
  path: string;
  metadata: ErasureMetadataJson;
}

/** Every EC metafile of piece name `name` below `root` (one fresh walk; see `DiskWalk`). */
export async function metafilesOf(root: string, name: string): Promise<FoundMetafile[]> {
  return (await DiskWalk.of(root, ['%ec', '%mt'])).metafilesOf(name);
}
