// The undo record of an append in place (tail-append.ts): written (and made durable) before the
// first byte of the object changes, removed once the new record is on the object. It names the
// object file, the offset the append wrote from and the size the object had: every byte from that
// offset to that size was zero, so the old object is restored by cutting the file at the offset
// and extending it back to the old size (the extension reads as zeros). Whether the append
// committed is told by the object's record: still the old size means it did not (an append never
// leaves the size as it was, see tail-append.ts).
import { isMissing, openFlags, type Disk } from '../io/index.js';
import { readObjectMetadata } from '../meta/index.js';

/** The format version of the record; a record of another version is left alone and removed. */
const undoRecordVersion = 1;

export interface UndoRecord {
  /** The object file appended to. */
  path: string;
  /** Where the append began writing; the bytes before it are never touched. */
  offsetBytes: number;
  /** The object's size before the append (the bytes from `offsetBytes` on were all zero). */
  sizeBytes: number;
  /** The object file's modification time before the append, restored with its bytes. */
  modifiedTimeMs: number;
}

export function encodeUndoRecord(record: UndoRecord): string {
  return `${JSON.stringify({ version: undoRecordVersion, ...record })}\n`;
}

export function decodeUndoRecord(text: string): UndoRecord | undefined {
  try {
    const value = JSON.parse(text) as Partial<UndoRecord> & { version?: unknown };
    const { path, offsetBytes, sizeBytes, modifiedTimeMs } = value;
    if (
      value.version !== undoRecordVersion ||
      typeof path !== 'string' ||
      !Number.isSafeInteger(offsetBytes) ||
      !Number.isSafeInteger(sizeBytes) ||
      typeof modifiedTimeMs !== 'number'
    )
      return undefined;
    return { path, offsetBytes, sizeBytes, modifiedTimeMs } as UndoRecord;
  } catch {
    return undefined;
  }
}

/**
 * Puts back the bytes of an append that did not commit (the object's record still has the old
 * size); an append that committed, or an object that is gone, is left as it is. Returns whether
 * the object was restored.
 */
export async function undoAppend(disk: Disk, record: UndoRecord, fsync: boolean): Promise<boolean> {
  let size: number;
  try {
    size = (await readObjectMetadata(disk, record.path, record.path)).size;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
  if (size !== record.sizeBytes) return false;
  const file = await disk.open(record.path, openFlags.writeNoFollow);
  try {
    await file.truncate(record.offsetBytes);
    await file.truncate(record.sizeBytes);
    const mtime = record.modifiedTimeMs / 1000;
    await file.utimes(mtime, mtime);
    if (fsync) await file.sync();
  } finally {
    await file.close();
  }
  return true;
}

/**
 * Start-up: applies the undo record at `recordPath` (left by a process that stopped in the middle
 * of an append), then removes it. An unreadable record is removed: it was not yet durable, so the
 * object had not been touched.
 */
export async function recoverFromUndoRecord(disk: Disk, recordPath: string): Promise<void> {
  let text: string;
  try {
    const file = await disk.open(recordPath, openFlags.noFollow);
    try {
      const buffer = Buffer.alloc(64 << 10);
      const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  const record = decodeUndoRecord(text);
  if (record !== undefined) await undoAppend(disk, record, true);
  await disk.rm(recordPath, { force: true });
}
