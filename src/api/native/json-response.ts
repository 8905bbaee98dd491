// JSON and text responses (exact uint64 values in JSON).
import type { ServerResponse } from 'node:http';
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
