// JSON and text responses (exact uint64 values in JSON), and streamed answers (a node's log).
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringifyJson } from '../../util/json.js';
import { ContentType, Header } from '../../wire/index.js';

/** Sends a value: strings as text (job IDs), undefined as an empty 200, anything else as JSON. */
export function sendValue(res: ServerResponse, value: unknown): void {
  if (value === undefined) {
    res.end();
    return;
  }
  const isText = typeof value === 'string';
  const body = isText ? value : stringifyJson(value);
  res.setHeader(Header.contentType, isText ? ContentType.text : ContentType.json);
  res.setHeader(Header.contentLength, Buffer.byteLength(body));
  res.end(body);
}

/** An answer sent as a stream (e.g. a log file): its content type, bytes, and length if known. */
export class StreamedAnswer {
  constructor(
    readonly contentType: string,
    readonly body: Readable,
    readonly sizeBytes?: number,
  ) {}
}

/** Sends a value as `sendValue` does, or streams a StreamedAnswer. */
export async function sendAnswer(res: ServerResponse, value: unknown): Promise<void> {
  if (!(value instanceof StreamedAnswer)) {
    sendValue(res, value);
    return;
  }
  res.setHeader(Header.contentType, value.contentType);
  if (value.sizeBytes !== undefined) res.setHeader(Header.contentLength, value.sizeBytes);
  await pipeline(value.body, res);
}
