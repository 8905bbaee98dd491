// What `cairn put` uploads: one file, every file under a directory (names relative to it), or
// stdin spooled to a temporary file so that the body can be re-sent on a redirect or retry.
import { createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

/** A file to upload and the object name it gets. */
export interface UploadItem {
  readonly path: string;
  readonly objectName: string;
  readonly sizeBytes: number;
}

/** A body for `Client.putObject` that re-opens the file on every attempt. */
export function fileBody(path: string, sizeBytes: number): { size: number; open: () => Readable } {
  return { size: sizeBytes, open: () => createReadStream(path) };
}

/**
 * The object name for a single file: the given name; or, when none is given or it ends with `/`,
 * that prefix plus the file's base name.
 */
export function singleObjectName(givenName: string, filePath: string): string {
  return givenName === '' || givenName.endsWith('/')
    ? `${givenName}${basename(filePath)}`
    : givenName;
}

/**
 * Every regular file under `root` (symbolic links to files included, to directories not followed,
 * so cycles are impossible), named `<prefix><path relative to root>` with `/` separators, sorted.
 */
export async function directoryItems(root: string, prefix: string): Promise<UploadItem[]> {
  const items: UploadItem[] = [];
  const pending = [root];
  for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        pending.push(path);
        continue;
      }
      const info = entry.isSymbolicLink()
        ? await stat(path).catch(() => undefined)
        : await lstat(path);
      if (info?.isFile() !== true) continue;
      const objectName = `${prefix}${relative(root, path).split(sep).join('/')}`;
      items.push({ path, objectName, sizeBytes: info.size });
    }
  }
  return items.sort((a, b) =>
    a.objectName < b.objectName ? -1 : a.objectName > b.objectName ? 1 : 0,
  );
}

/** Copies stdin to a temporary file; `cleanup` removes it. */
export async function spoolStdin(
  stdin: NodeJS.ReadableStream,
): Promise<{ path: string; sizeBytes: number; cleanup: () => Promise<void> }> {
  const directory = await mkdtemp(join(tmpdir(), 'cairn-put-'));
  const cleanup = (): Promise<void> => rm(directory, { recursive: true, force: true });
  try {
    const path = join(directory, 'stdin');
    await pipeline(stdin, createWriteStream(path));
    return { path, sizeBytes: (await stat(path)).size, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
