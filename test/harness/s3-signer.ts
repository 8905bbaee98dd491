// Signs raw S3 requests with the AWS SDK's own SigV4 signer (for hostile-input tests that need a
// valid signature on an unusual request), and builds signed aws-chunked bodies.
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { accessKey, region, secretKey } from './s3-setup.js';

function toBytes(data: string | ArrayBuffer | ArrayBufferView): string | Buffer {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

class NodeSha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash =
      secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.#hash.update(toBytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.#hash.digest()));
  }
}

const signer = new SignatureV4({
  credentials: { accessKeyId: accessKey, secretAccessKey: secretKey },
  region,
  service: 's3',
  sha256: NodeSha256,
  uriEscapePath: false,
});

/** Headers (including Authorization) for a request signed as the AWS SDK signs it. */
export async function signedHeaders(
  baseUrl: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  payloadHash = 'UNSIGNED-PAYLOAD',
): Promise<Record<string, string>> {
  const url = new URL(baseUrl);
  const [pathname = '', search = ''] = path.split('?');
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(search)) query[name] = value;
  const signed = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: pathname,
    query,
    headers: { host: url.host, 'x-amz-content-sha256': payloadHash, ...headers },
  });
  return signed.headers;
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

/** A signed aws-chunked body for `chunks` after a seed signature (the SigV4 streaming format). */
export function signedChunkedBody(
  seedSignature: string,
  amzDate: string,
  chunks: Buffer[],
): Buffer {
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/s3/aws4_request`;
  const key = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), 's3'), 'aws4_request');
  const empty = createHash('sha256').update('').digest('hex');
  let previous = seedSignature;
  const parts: Buffer[] = [];
  for (const chunk of [...chunks, Buffer.alloc(0)]) {
    const text = `AWS4-HMAC-SHA256-PAYLOAD\n${amzDate}\n${scope}\n${previous}\n${empty}\n${createHash('sha256').update(chunk).digest('hex')}`;
    const signature = createHmac('sha256', key).update(text).digest('hex');
    parts.push(
      Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    );
    previous = signature;
  }
  return Buffer.concat(parts);
}
