// What a power loss would take away: the faulty disk records every write not yet made durable (file
// data and attributes not followed by an fsync of the file, directory entries not followed by an
// fsync of their directory) and `revert` undoes them on the real file system, newest first.
//
// The model, stated so tests know what they prove: a file's data and extended attributes are durable
// once the file is fsynced; a created, linked, renamed or unlinked entry once its directory is
// fsynced (for a rename: the destination's directory, as one journal transaction on ext4 or XFS);
// a directory made by mkdir once its parent is fsynced (until then it is lost at a crash, with
// everything in it, as POSIX allows; ext4 and XFS happen to be kinder). Data written after the last fsync is lost
// by truncating the file to its size at that fsync (writes after it are taken to be appends) and
// restoring the attributes it then had. rm and rmdir are taken as durable at once (the store does
// not rely on either for an acknowledged write).
import { link, lstat, mkdir, rename, rm, truncate, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { removeAttribute, setAttribute } from 'fs-xattr';

/** An inode: `dev:ino`. */
export type InodeKey = string;

type Entry =
  | { kind: 'create'; path: string; inode: InodeKey; directories: string[] }
  | { kind: 'link'; path: string; inode: InodeKey; directories: string[] }
  | {
      kind: 'rename';
      from: string;
      to: string;
      inode: InodeKey;
      /** Where the file `to` replaced was kept (a hard link), to bring it back. */
      replaced: string | undefined;
      directories: string[];
    }
  | { kind: 'unlink'; path: string; kept: string; directories: string[] }
  | { kind: 'mkdir'; path: string; directories: string[] };

/** An inode written since its last fsync: its size and attributes as of that fsync. */
interface DirtyFile {
  path: string;
  syncedSizeBytes: number;
  /** Attribute name → value at the last fsync (undefined: it did not exist). */
  syncedAttributes: Map<string, Buffer | undefined>;
}

export async function inodeOf(path: string): Promise<InodeKey | undefined> {
  try {
    const stats = await lstat(path, { bigint: true });
    return `${stats.dev}:${stats.ino}`;
  } catch {
    return undefined;
  }
}

export class DurabilityJournal {
  readonly #entries: Entry[] = [];
  readonly #dirty = new Map<InodeKey, DirtyFile>();
  #kept = 0;

  /** `keepDirectory`: where replaced and unlinked files are kept (same file system as the data). */
  constructor(private readonly keepDirectory: string) {}

  /** Entries not yet durable (for tests of the journal itself). */
  get pendingEntries(): number {
    return this.#entries.length;
  }

  get dirtyFiles(): number {
    return this.#dirty.size;
  }

  created(path: string, inode: InodeKey): void {
    this.#entries.push({ kind: 'create', path, inode, directories: [dirname(path)] });
  }

  linked(path: string, inode: InodeKey): void {
    this.#entries.push({ kind: 'link', path, inode, directories: [dirname(path)] });
  }

  madeDirectories(first: string | undefined, last: string): void {
    if (first === undefined) return;
    const made: string[] = [];
    for (let current = last; current !== dirname(first); current = dirname(current)) {
      made.push(current);
    }
    for (const path of made.reverse()) {
      this.#entries.push({ kind: 'mkdir', path, directories: [dirname(path)] });
    }
  }

  /** Before a rename or unlink: keeps the file that is about to lose a name. */
  async keep(path: string): Promise<string | undefined> {
    const kept = join(this.keepDirectory, `kept-${(this.#kept += 1)}`);
    try {
      await mkdir(this.keepDirectory, { recursive: true });
      await link(path, kept);
      return kept;
    } catch {
      return undefined;
    }
  }

  renamed(from: string, to: string, inode: InodeKey, replaced: string | undefined): void {
    const directories = [dirname(to)];
    this.#entries.push({ kind: 'rename', from, to, inode, replaced, directories });
    for (const file of this.#dirty.values()) if (file.path === from) file.path = to;
  }

  unlinked(path: string, kept: string | undefined): void {
    if (kept === undefined) return;
    this.#entries.push({ kind: 'unlink', path, kept, directories: [dirname(path)] });
  }

  isDirty(inode: InodeKey): boolean {
    return this.#dirty.has(inode);
  }

  /** Before data is written to `inode` (at `path`): remembers its size as of its last fsync. */
  beforeData(inode: InodeKey, path: string, sizeBytes: number): void {
    if (!this.#dirty.has(inode)) {
      this.#dirty.set(inode, { path, syncedSizeBytes: sizeBytes, syncedAttributes: new Map() });
    }
  }

  /**
   * Before attribute `name` of `inode` changes: remembers its value as of the last fsync (`read`
   * gives the value now, undefined when it has none).
   */
  async beforeAttribute(
    inode: InodeKey,
    path: string,
    name: string,
    sizeBytes: number,
    read: () => Promise<Buffer | undefined>,
  ): Promise<void> {
    this.beforeData(inode, path, sizeBytes);
    const file = this.#dirty.get(inode);
    if (file === undefined || file.syncedAttributes.has(name)) return;
    file.syncedAttributes.set(name, await read());
  }

  /** A new file: nothing of it is durable until it is fsynced. */
  newFile(inode: InodeKey, path: string): void {
    this.#dirty.set(inode, { path, syncedSizeBytes: 0, syncedAttributes: new Map() });
  }

  fileSynced(inode: InodeKey): void {
    this.#dirty.delete(inode);
  }

  async directorySynced(directory: string): Promise<void> {
    for (let index = this.#entries.length - 1; index >= 0; index -= 1) {
      const entry = this.#entries[index];
      if (entry === undefined || !entry.directories.includes(directory)) continue;
      this.#entries.splice(index, 1);
      // Durable: the file it kept will never be brought back.
      const kept =
        entry.kind === 'rename' ? entry.replaced : entry.kind === 'unlink' ? entry.kept : undefined;
      if (kept !== undefined) await unlink(kept).catch(() => undefined);
    }
  }

  /** The crash: undoes what was not durable, on the real file system. */
  async revert(): Promise<void> {
    for (const [inode, file] of this.#dirty) {
      if ((await inodeOf(file.path)) !== inode) continue;
      await truncate(file.path, file.syncedSizeBytes).catch(() => undefined);
      for (const [name, value] of file.syncedAttributes) {
        if (value === undefined) await removeAttribute(file.path, name).catch(() => undefined);
        else await setAttribute(file.path, name, value).catch(() => undefined);
      }
    }
    this.#dirty.clear();
    for (const entry of this.#entries.reverse()) await undo(entry);
    this.#entries.length = 0;
    await rm(this.keepDirectory, { recursive: true, force: true });
  }
}

async function undo(entry: Entry): Promise<void> {
  switch (entry.kind) {
    case 'create':
    case 'link':
      if ((await inodeOf(entry.path)) === entry.inode) await unlink(entry.path);
      return;
    case 'rename':
      if ((await inodeOf(entry.to)) === entry.inode) {
        await mkdir(dirname(entry.from), { recursive: true });
        await rename(entry.to, entry.from);
      }
      if (entry.replaced !== undefined) await rename(entry.replaced, entry.to);
      return;
    case 'unlink':
      await mkdir(dirname(entry.path), { recursive: true });
      await rename(entry.kept, entry.path);
      return;
    case 'mkdir':
      // Its entry never reached the disk: the directory is gone, with whatever was put in it.
      await rm(entry.path, { recursive: true, force: true });
      return;
  }
}
