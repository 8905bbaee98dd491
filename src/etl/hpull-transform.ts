// The `hpull://` communication asked by a target itself (AIStore's offline hpull): `GET
// http://<transformer>/<path-escaped uname>`, the transformer fetching the object from
// `AIS_TARGET_URL`; and the counting stream offline transforms hand on.
import { Transform, type Readable } from 'node:stream';
import { request } from 'undici';
import { readSmallBody } from '../api/common/body.js';
import { Header } from '../wire/index.js';
import { etlUnavailable, transformFailed } from './etl-errors.js';
import { exchangeError, maxErrorBytes, transformers } from './hpush-transform.js';

/** GETs the transformed object from an hpull transformer: its bytes and length, if it said. */
export async function pullFromTransformer(
  etlName: string,
  url: string,
  objTimeoutMs: number,
): Promise<{ body: Readable; length: number | undefined }> {
  let response;
  try {
    response = await request(url, {
      method: 'GET',
      dispatcher: transformers,
      headersTimeout: objTimeoutMs,
      bodyTimeout: objTimeoutMs,
    });
  } catch (error) {
    throw exchangeError(etlName, objTimeoutMs, error);
  }
  if (response.statusCode >= 400) {
    const text = (await readSmallBody(response.body, maxErrorBytes, 'transformer error'))
      .toString('utf8')
      .trim();
    const why = `the transformer answered ${response.statusCode}: ${text}`;
    throw response.statusCode === 503
      ? etlUnavailable(etlName, why)
      : transformFailed(etlName, why);
  }
  const length = Number(response.headers[Header.contentLength] ?? Number.NaN);
  return { body: response.body, length: Number.isSafeInteger(length) ? length : undefined };
}

/**
 * A pass-through that reports each chunk's size. (The transformer's silences are bounded where its
 * bytes come from: undici's body timeout, the io process's timer.)
 */
export function countingStream(onBytes: (bytes: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      onBytes(chunk.length);
      callback(null, chunk);
    },
  });
}
