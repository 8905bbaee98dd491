// Plain HTTP: PUT and GET `<endpoint>/<bucket>/<name>`, as any web server with WebDAV PUT serves
// (nginx `dav_methods PUT DELETE`). The yardstick driver of the benchmark suite: same client
// code, so differences come from the server.
import type { BenchPlan } from '../bench-options.js';
import {
  BenchRequestError,
  requestBody,
  type BenchDriver,
  type ChunkObserver,
  type ListedObject,
} from './bench-driver.js';
import { RawHttp, drainBody, expectStatus, expectStatusOnly, readText } from './raw-http.js';

export class HttpDriver implements BenchDriver {
  readonly description: string;
  readonly destroyRemovesObjects = false;
  readonly canList = false;
  readonly #http: RawHttp;
  readonly #endpoint: string;
  readonly #bucket: string;

  constructor(plan: BenchPlan) {
    this.#endpoint = plan.endpoint;
    this.#bucket = plan.bucket;
    this.#http = new RawHttp(plan.timeoutMs, plan.concurrency);
    this.description = `plain HTTP at ${plan.endpoint}/${plan.bucket}/`;
  }

  /** Any answer proves the server is up; the "bucket" is a directory the server creates on PUT. */
  async prepare(): Promise<boolean> {
    const label = `GET ${this.#endpoint}/`;
    const response = await this.#http.request({
      method: 'GET',
      url: new URL(this.#endpoint),
      label,
    });
    await readText(response.body);
    return false;
  }

  async put(name: string, sizeBytes: number): Promise<void> {
    const label = `PUT ${this.#bucket}/${name}`;
    const response = await this.#http.request({
      method: 'PUT',
      url: this.#url(name),
      headers: { 'content-length': String(sizeBytes) },
      body: requestBody(name, sizeBytes),
      label,
    });
    await expectStatusOnly(response, [200, 201, 204], label);
  }

  async get(name: string, observe: ChunkObserver | undefined): Promise<number> {
    const label = `GET ${this.#bucket}/${name}`;
    const response = await this.#http.request({ method: 'GET', url: this.#url(name), label });
    await expectStatus(response, [200], label);
    return await drainBody(response.body, observe, label);
  }

  /** Never called: the options parser requires --objects instead (a web server cannot list). */
  list(): AsyncIterable<ListedObject> {
    throw new BenchRequestError('plain HTTP servers cannot list objects');
  }

  async delete(name: string): Promise<void> {
    const label = `DELETE ${this.#bucket}/${name}`;
    const response = await this.#http.request({ method: 'DELETE', url: this.#url(name), label });
    await expectStatusOnly(response, [200, 204, 404], label);
  }

  async destroyBucket(): Promise<void> {}

  async close(): Promise<void> {
    await this.#http.close();
  }

  #url(name: string): URL {
    const path = [this.#bucket, ...name.split('/')].map(encodeURIComponent).join('/');
    return new URL(`${this.#endpoint}/${path}`);
  }
}
