// GetBatch (`GET /v1/ml/moss[/<bucket>]`) as AIStore's clients send it: the MossReq as a GET body,
// re-sent on the gateway's 307 to the designated target. The answer is the archive, streamed
// (`strm`), or multipart: the metadata (MossResp), then the archive, streamed out of the part.
import type { Readable } from 'node:stream';
import type busboy from 'busboy';
import {
  batchMultipart,
  ContentType,
  Header,
  Query,
  apiPath,
  type BucketJson,
  type MossReqJson,
  type MossRespJson,
} from '../../wire/index.js';
import { headerValue, throwIfError, type HttpExchange } from '../http-exchange.js';
import { clusterLabel } from '../labels.js';
import { jsonBody } from '../request-body.js';
import type { ArchiveReadResult } from './shard-objects.js';

/** The archive; with a multipart answer (`strm` false) also its metadata. */
export interface BatchResult extends ArchiveReadResult {
  metadata?: MossRespJson;
}

/** Largest metadata part read (a few hundred bytes an item). */
const maxMetadataBytes = 256 << 20;

export async function getBatch(
  exchange: HttpExchange,
  endpoint: string,
  request: MossReqJson,
  bucket?: BucketJson,
): Promise<BatchResult> {
  const label = clusterLabel(`GetBatch of ${request.in.length} item(s)`);
  // busboy is loaded for a multipart answer only (every program using the SDK would pay for it at
  // start otherwise), and before the request, so that the answer never waits for a reader.
  const parser = request.strm === true ? undefined : (await import('busboy')).default;
  const path = bucket === undefined ? apiPath('ml', 'moss') : apiPath('ml', 'moss', bucket.name);
  const url = new URL(`${endpoint}${path}`);
  if (bucket !== undefined) url.searchParams.set(Query.provider, bucket.provider);
  const response = await exchange.streaming({
    method: 'GET',
    url,
    label,
    headers: { [Header.contentType]: ContentType.json },
    body: jsonBody(request),
  });
  await throwIfError(response, label, [200]);
  const contentType = headerValue(response.headers, Header.contentType) ?? '';
  if (parser === undefined) return { contentType, body: response.body };
  return await decodeMultipart(parser, response.body, contentType, label.text);
}

/**
 * The two parts of a multipart answer, with busboy: the metadata field read whole, the archive
 * file handed on as a stream (it fails if the answer is cut short).
 */
function decodeMultipart(
  parse: typeof busboy,
  body: Readable,
  contentType: string,
  operation: string,
): Promise<BatchResult> {
  const boundary = /^multipart\/mixed;.*\bboundary=(?:"([^"]+)"|([^";\s]+))/i.exec(contentType);
  if (boundary === null) {
    body.destroy();
    return Promise.reject(
      new Error(`${operation}: expected a multipart answer, got "${contentType}"`),
    );
  }
  // busboy reads form-data framing, which is what the parts are (Go's multipart writer).
  const parser = parse({
    headers: { 'content-type': `multipart/form-data; boundary=${boundary[1] ?? boundary[2]}` },
    limits: { fieldSize: maxMetadataBytes, fields: 1, files: 1 },
  });
  return new Promise((resolve, reject) => {
    let metadata: MossRespJson | undefined;
    const fail = (error: Error): void => {
      body.destroy();
      reject(error);
    };
    parser.on('field', (name, value, info) => {
      if (name !== batchMultipart.metadataField || info.valueTruncated) {
        fail(new Error(`${operation}: unexpected or oversized part "${name}"`));
        return;
      }
      try {
        metadata = JSON.parse(value) as MossRespJson;
      } catch (error) {
        fail(new Error(`${operation}: invalid metadata: ${String(error)}`));
      }
    });
    parser.on('file', (name, stream, info) => {
      if (name !== batchMultipart.archiveField || metadata === undefined) {
        stream.resume();
        fail(new Error(`${operation}: unexpected part "${name}" before the metadata`));
        return;
      }
      resolve({ contentType: info.mimeType, body: stream, metadata });
    });
    parser.on('error', (error: Error) => fail(error));
    parser.on('close', () => fail(new Error(`${operation}: the answer holds no archive part`)));
    body.on('error', (error) => parser.destroy(error));
    body.pipe(parser);
  });
}
