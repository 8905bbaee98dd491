// `GET /v1/daemon?what=log`: the node's current log as text (AIStore: `severity=info|warning|error`,
// only the first letter counts, `w` and `e` both meaning the ERROR log; `offset=<bytes>` to read
// from there on), or with `all=true` a `.tar.gz` of every file of that severity, rotated ones too.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { StreamedAnswer } from '../../api/native/index.js';
import { StoreError, badRequest, hasErrnoCode } from '../../errors/index.js';
import { type LogSeverity, type NodeLogFiles } from '../../util/log-files.js';
import { tarGzipStream } from '../../util/tar-gzip.js';
import { ContentType, flagOnValues } from '../../wire/index.js';

/** Query parameters of `what=log` (AIStore's spellings). */
export const LogQuery = { severity: 'severity', offset: 'offset', all: 'all' } as const;

export async function answerLogQuery(
  files: NodeLogFiles,
  query: URLSearchParams,
): Promise<StreamedAnswer> {
  const severity = parseSeverity(query.get(LogQuery.severity) ?? '');
  if (flagOnValues.includes(query.get(LogQuery.all) ?? '')) {
    const entries = await files.list(severity);
    const archive = tarGzipStream(
      entries.map((entry) => ({
        name: entry.name,
        path: entry.path,
        sizeBytes: entry.sizeBytes,
        modifiedMs: entry.modifiedMs,
      })),
    );
    return new StreamedAnswer('application/gzip', archive);
  }
  const path = files.currentPath(severity);
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(path)).size;
  } catch (error) {
    if (hasErrnoCode(error, 'ENOENT'))
      throw new StoreError('LogNotFound', `open ${path}: no such file or directory`);
    throw error;
  }
  const offset = parseOffset(query.get(LogQuery.offset) ?? '', sizeBytes);
  // Up to the size seen now: lines written meanwhile are for the next read (from this offset).
  const length = sizeBytes - offset;
  const body =
    length === 0
      ? Readable.from([])
      : createReadStream(path, { start: offset, end: sizeBytes - 1 });
  return new StreamedAnswer(ContentType.text, body, length);
}

function parseSeverity(text: string): LogSeverity {
  switch ((text[0] ?? 'i').toLowerCase()) {
    case 'i':
      return 'INFO';
    case 'w':
    case 'e':
      return 'ERROR';
    default:
      throw badRequest(`unknown log severity "${text}"`);
  }
}

function parseOffset(text: string, sizeBytes: number): number {
  if (text === '') return 0;
  if (!/^-?\d+$/.test(text))
    throw badRequest(`strconv.ParseInt: parsing "${text}": invalid syntax (log offset)`);
  const offset = Number(text);
  if (offset > sizeBytes)
    throw badRequest(`log likely rotated (offset ${offset}, size ${sizeBytes})`);
  if (offset < 0) throw badRequest(`invalid log offset ${offset}`);
  return offset;
}
