// Blob download on the native API: `POST /v1/objects/<b>` with `{"action":"blob-download","name":
// <object>,"value":BlobMsg}` (redirected to the object's owner, which answers the job ID as text,
// or nothing when the cached copy is current), and the `Ais-Blob-*` headers of a GET read here
// into the BlobMsg they stand for (AIStore's `apc.BlobMsg.FromHeader`).
import type { IncomingHttpHeaders } from 'node:http';
import { badRequest } from '../../../errors/index.js';
import { parseByteSize } from '../../../util/bytes.js';
import { Header, type ActionMessage, type BlobMsgJson } from '../../../wire/index.js';
import type { RequestContext } from '../../common/request-context.js';
import type { BlobGetRequest, ObjectAddress, ObjectPort } from '../ports.js';

/** AIStore's truthy spellings of `Ais-Blob-Download` (`cos.IsParseBool`), and its falsy ones. */
const yes = ['1', 't', 'true', 'y', 'yes', 'on'];
const no = ['', '0', 'f', 'false', 'n', 'no', 'off'];

const settingHeaders = [
  Header.blobChunk,
  Header.blobWorkers,
  Header.blobReadTimeout,
  Header.blobThreshold,
] as const;

/** The object a `blob-download` action names (its `name`). */
export function blobDownloadAddress(
  bucket: ObjectAddress['bucket'],
  message: ActionMessage,
): ObjectAddress {
  const name = message.name ?? '';
  if (name === '') throw badRequest('blob-download: the action names no object ("name")');
  return { bucket, name };
}

export async function startBlobDownload(
  context: RequestContext,
  port: ObjectPort,
  address: ObjectAddress,
  message: ActionMessage,
): Promise<void> {
  const jobId = await port.blobDownload(address, message.value);
  context.res.end(jobId);
}

/**
 * A GET's blob download request, or undefined when it asks for none. Settings without
 * `Ais-Blob-Download: true` are refused (they would be ignored), as is a Range with it.
 */
export function blobGetRequest(headers: IncomingHttpHeaders): BlobGetRequest | undefined {
  const flag = (one(headers, Header.blobDownload) ?? '').toLowerCase();
  if (no.includes(flag)) {
    // Every GET asks: no array made unless a setting is there to refuse.
    for (const name of settingHeaders) {
      if (one(headers, name) === undefined) continue;
      const given = settingHeaders.filter((setting) => one(headers, setting) !== undefined);
      throw badRequest(`${given.join(', ')}: only with ${Header.blobDownload}: true`);
    }
    return undefined;
  }
  if (!yes.includes(flag)) throw badRequest(`${Header.blobDownload}: invalid value "${flag}"`);
  if (headers.range !== undefined)
    throw badRequest(`${Header.blobDownload}: a blob download reads the whole object (no Range)`);
  const message: BlobMsgJson = {};
  const workers = one(headers, Header.blobWorkers);
  if (workers !== undefined) {
    if (!/^-?\d+$/.test(workers.trim()))
      throw badRequest(`${Header.blobWorkers}: invalid number "${workers}"`);
    message['num-workers'] = Number(workers);
  }
  const chunk = one(headers, Header.blobChunk);
  if (chunk !== undefined) message['chunk-size'] = size(Header.blobChunk, chunk);
  const threshold = one(headers, Header.blobThreshold);
  return {
    message,
    readTimeout: one(headers, Header.blobReadTimeout),
    thresholdBytes: threshold === undefined ? 0 : size(Header.blobThreshold, threshold),
  };
}

function one(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function size(name: string, text: string): number {
  const bytes = parseByteSize(text);
  if (bytes === undefined) throw badRequest(`${name}: invalid size "${text}"`);
  return bytes;
}
