// The on-disk format of persisted cluster metadata (cluster map, bucket metadata, cluster config,
// rebalance metadata).
// Line 1: JSON header {format, format_version, kind, checksum_type, checksum}; then the payload JSON.
// The checksum is XXH64 (seed 0, hex) of the payload text, so a torn or edited file is detected.
import { readFile } from 'node:fs/promises';
import { hashBuffer } from '../../checksum/index.js';
import { StoreError, hasErrnoCode } from '../../errors/index.js';
import { writeFileAtomically } from '../../util/atomic-file.js';
import { asRecord, parseJson, stringifyJson } from '../../util/json.js';

const formatName = 'cairn-metadata';
const formatVersion = 1;

export type MetadataKind =
  'cluster-map' | 'bucket-metadata' | 'cluster-config' | 'rebalance-metadata' | 'etl-metadata';

/** Writes `payload` atomically with its header. */
export async function writeMetadataFile(
  path: string,
  kind: MetadataKind,
  payload: unknown,
): Promise<void> {
  const body = stringifyJson(payload);
  const header = {
    format: formatName,
    format_version: formatVersion,
    kind,
    checksum_type: 'xxhash',
    checksum: hashBuffer('xxhash', Buffer.from(body)),
  };
  await writeFileAtomically(path, `${JSON.stringify(header)}\n${body}\n`);
}

/** Reads and verifies a metadata file; undefined when it does not exist. */
export async function readMetadataFile(path: string, kind: MetadataKind): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT')) return undefined;
    throw error;
  }
  const newline = text.indexOf('\n');
  const header = asRecord(safeParse(text.slice(0, newline)));
  const body = text.slice(newline + 1).replace(/\n$/, '');
  if (newline < 0 || header === undefined || header.format !== formatName) {
    throw corrupt(path, 'not a cairn metadata file');
  }
  if (header.format_version !== formatVersion)
    throw corrupt(path, `unsupported format version ${String(header.format_version)}`);
  if (header.kind !== kind) throw corrupt(path, `holds ${String(header.kind)}, expected ${kind}`);
  if (header.checksum !== hashBuffer('xxhash', Buffer.from(body)))
    throw corrupt(path, 'checksum mismatch');
  return parseJson(body);
}

function safeParse(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}

function corrupt(path: string, reason: string): StoreError {
  return new StoreError('Internal', `metadata file ${path} is unusable: ${reason}`);
}
