// The `hpull://` communication asked by a target itself (AIStore's offline hpull): `GET
// http://<transformer>/<path-escaped uname>`, the transformer fetching the object from
// `AIS_TARGET_URL` (and delivering the result to `Ais-Node-Url` itself when given a direct-put
// destination); and the counting stream offline transforms hand on.
import { Transform } from 'node:stream';
import { request } from 'undici';
import { EtlHeader } from '../wire/index.js';
import {
  exchangeError,
  readAnswer,
  transformers,
  type TransformerAnswer,
} from './hpush-transform.js';

/**
 * GETs the transformed object from an hpull transformer: its bytes and length, if it said, or none
 * when it delivered them to `directPutUrl` (`Ais-Node-Url`) itself.
 */
export async function pullFromTransformer(
  etlName: string,
  url: string,
  objTimeoutMs: number,
  directPutUrl: string | undefined,
): Promise<TransformerAnswer> {
  let response;
  try {
    response = await request(url, {
      method: 'GET',
      headers: directPutUrl === undefined ? {} : { [EtlHeader.nodeUrl]: directPutUrl },
      dispatcher: transformers,
      headersTimeout: objTimeoutMs,
      bodyTimeout: objTimeoutMs,
    });
  } catch (error) {
    throw exchangeError(etlName, objTimeoutMs, error);
  }
  return readAnswer(etlName, response);
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
