// The single atomic small-file writer: temp file, fsync, rename over the target, fsync the directory.
// It writes through the file system it is given (the store passes its disk seam) or Node's.
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomId } from './ids.js';

/** The calls an atomic write makes (the store's `Disk` is one). */
export interface AtomicFileSystem {
  open(
    path: string,
    flags: string,
    mode?: number,
  ): Promise<{
    writeFile(data: string | Uint8Array): Promise<void>;
    sync(): Promise<void>;
    close(): Promise<void>;
  }>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  syncDirectory(path: string): Promise<void>;
}

/** Node's file system. */
const nodeFileSystem: AtomicFileSystem = { open, rename, unlink, syncDirectory };

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new content. `mode`
 * 0o600 keeps secrets (password hashes, keys) readable by the owner only.
 */
export async function writeFileAtomically(
  path: string,
  data: string | Uint8Array,
  fileSystem: AtomicFileSystem = nodeFileSystem,
  mode = 0o644,
): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${randomId(8)}.tmp`);
  const handle = await fileSystem.open(temporary, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await fileSystem.unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  try {
    await fileSystem.rename(temporary, path);
  } catch (error) {
    await fileSystem.unlink(temporary).catch(() => undefined);
    throw error;
  }
  await fileSystem.syncDirectory(dirname(path));
}

/** fsync a directory so a rename inside it is durable. */
export async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
