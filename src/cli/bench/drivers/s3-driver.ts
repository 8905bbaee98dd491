// S3 over HTTP with SigV4 (header signing, `UNSIGNED-PAYLOAD` so bodies are never hashed by the
// client): path-style `<endpoint>/<bucket>/<key>`, as every S3 server accepts.
import type { Dispatcher } from 'undici';
import type { BenchPlan, S3Credentials } from '../bench-options.js';
import {
  BenchRequestError,
  requestBody,
  type BenchDriver,
  type ChunkObserver,
  type ListedObject,
} from './bench-driver.js';
import {
  RawHttp,
  drainBody,
  expectStatus,
  expectStatusOnly,
  readText,
  type RawRequest,
  type RawResponse,
} from './raw-http.js';
import { s3RequestPath, signS3Request } from './s3-signing.js';
import { describeErrorXml, parseListPage } from './s3-xml.js';

export class S3Driver implements BenchDriver {
  readonly description: string;
  readonly destroyRemovesObjects = false;
  readonly canList = true;
  readonly #http: RawHttp;
  readonly #endpoint: URL;
  readonly #bucket: string;
  readonly #credentials: S3Credentials;

  constructor(plan: BenchPlan, credentials: S3Credentials) {
    this.#endpoint = new URL(plan.endpoint);
    this.#bucket = plan.bucket;
    this.#credentials = credentials;
    this.#http = new RawHttp(plan.timeoutMs, plan.concurrency);
    this.description = `S3 API at ${plan.endpoint}, bucket s3://${plan.bucket}`;
  }

  async prepare(): Promise<boolean> {
    const label = `HEAD s3://${this.#bucket}`;
    const head = await this.#send('HEAD', '', {}, label);
    await readText(head.body);
    if (head.status === 200) return false;
    if (head.status !== 404) {
      throw new BenchRequestError(`${label}: HTTP ${head.status} (is this an S3 endpoint?)`);
    }
    const create = await this.#send('PUT', '', {}, `create bucket s3://${this.#bucket}`);
    await expectS3Status(create, [200], `create bucket s3://${this.#bucket}`, 'discard');
    return true;
  }

  async put(name: string, sizeBytes: number): Promise<void> {
    const label = `PUT s3://${this.#bucket}/${name}`;
    const body = requestBody(name, sizeBytes);
    const response = await this.#send('PUT', name, {}, label, body, sizeBytes);
    await expectS3Status(response, [200], label, 'discard');
  }

  async get(name: string, observe: ChunkObserver | undefined): Promise<number> {
    const label = `GET s3://${this.#bucket}/${name}`;
    const response = await this.#send('GET', name, {}, label);
    await expectS3Status(response, [200], label);
    return await drainBody(response.body, observe, label);
  }

  async *list(prefix: string): AsyncIterable<ListedObject> {
    const label = `list s3://${this.#bucket}/${prefix}`;
    let token: string | undefined;
    do {
      const query: Record<string, string> = { 'list-type': '2', prefix };
      if (token !== undefined) query['continuation-token'] = token;
      const response = await this.#send('GET', '', query, label);
      await expectS3Status(response, [200], label);
      const page = parseListPage(await readText(response.body, 64 * 1024 * 1024));
      yield* page.objects.map((item) => ({ name: item.name, sizeBytes: item.sizeBytes }));
      token = page.continuationToken;
    } while (token !== undefined);
  }

  async delete(name: string): Promise<void> {
    const label = `DELETE s3://${this.#bucket}/${name}`;
    const response = await this.#send('DELETE', name, {}, label);
    await expectS3Status(response, [200, 204], label, 'discard');
  }

  async destroyBucket(): Promise<void> {
    const label = `delete bucket s3://${this.#bucket}`;
    const response = await this.#send('DELETE', '', {}, label);
    await expectS3Status(response, [200, 204], label, 'discard');
  }

  async close(): Promise<void> {
    await this.#http.close();
  }

  /** Signs and sends a request for the bucket (`key` empty) or one of its objects. */
  #send(
    method: Dispatcher.HttpMethod,
    key: string,
    query: Record<string, string>,
    label: string,
    body?: RawRequest['body'],
    sizeBytes?: number,
  ): Promise<RawResponse> {
    const path = s3RequestPath([this.#bucket, ...(key === '' ? [] : key.split('/'))], query);
    const headers: Record<string, string> = {};
    if (sizeBytes !== undefined) headers['content-length'] = String(sizeBytes);
    const sent = signS3Request(
      { method, host: this.#endpoint.host, path, headers },
      this.#credentials,
    );
    const url = new URL(`${this.#endpoint.origin}${path}`);
    return this.#http.request({
      method,
      url,
      headers: sent,
      label,
      ...(body === undefined ? {} : { body }),
    });
  }
}

/** `body`: whether the caller reads the answer's body (`keep`) or it is to be discarded. */
function expectS3Status(
  response: RawResponse,
  expected: readonly number[],
  label: string,
  body: 'keep' | 'discard' = 'keep',
): Promise<void> {
  const expect = body === 'keep' ? expectStatus : expectStatusOnly;
  return expect(response, expected, label, describeErrorXml);
}
