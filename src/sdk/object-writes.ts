// Object writes beyond a plain PUT, as AIStore's clients send them: single-object copy, APPEND and
// flush, and native multipart upload. Every request goes to the object's owner (or through the
// gateway), like any object request; an append with a handle is routed on to the handle's target.
import {
  Action,
  AppendType,
  ContentType,
  Header,
  namespaceUname,
  Query,
  type ActionMessage,
  type BucketJson,
  type MultipartPartJson,
} from '../wire/index.js';
import { TransportError } from './errors.js';
import { headerValue, throwIfBufferedError, type BufferedResponse } from './http-exchange.js';
import { objectLabel } from './labels.js';
import type { ObjectRequest, ObjectRouter } from './object-router.js';
import { jsonBody, replayableBody, type ObjectBody } from './request-body.js';

/** An object's address: bucket and name. */
export interface ObjectAddress {
  bucket: BucketJson;
  name: string;
}

/** The uname AIStore's `object_to` carries: `ais/@#/bucket/name`. */
export function objectUnameOf(address: ObjectAddress): string {
  const { bucket, name } = address;
  return `${bucket.provider}/${namespaceUname(bucket.namespace)}/${bucket.name}/${name}`;
}

/** A single-object copy's flags; `etl` copies the object transformed by that ETL. */
export interface CopyObjectOptions {
  latest?: boolean;
  sync?: boolean;
  etl?: { name: string; args?: string };
}

export class ObjectWrites {
  constructor(private readonly router: ObjectRouter) {}

  /** `PUT ?object_to=`: `latest` and `sync` are AIStore's `latest-ver` and `synchronize`. */
  async copy(from: ObjectAddress, to: ObjectAddress, options?: CopyObjectOptions): Promise<void> {
    const etl = options?.etl;
    const query = {
      [Query.objectTo]: objectUnameOf(to),
      [Query.latestVersion]: String(options?.latest === true),
      [Query.synchronize]: String(options?.sync === true),
      ...(etl === undefined ? {} : { [Query.etlName]: etl.name }),
      ...(etl?.args === undefined ? {} : { [Query.etlArgs]: etl.args }),
    };
    await this.#send('PUT', from, 'copy', { query });
  }

  /** `PUT ?append_type=append`: the handle the next append or the flush must send. */
  async append(address: ObjectAddress, body: ObjectBody, handle = ''): Promise<string> {
    const query = { [Query.appendType]: AppendType.append, [Query.appendHandle]: handle };
    const headers = { [Header.contentType]: ContentType.octetStream };
    const response = await this.#send('PUT', address, 'append to', {
      query,
      headers,
      body: replayableBody(body),
    });
    const next = headerValue(response.headers, Header.appendHandle);
    if (next === undefined || next === '') {
      const label = objectLabel('PUT', address.bucket, address.name);
      throw new TransportError(label, `append answered without ${Header.appendHandle}`);
    }
    return next;
  }

  /** `PUT ?append_type=flush`: the appended bytes become the object (`checksum`: of all of it). */
  async flush(
    address: ObjectAddress,
    handle: string,
    checksum?: { type: string; value: string },
  ): Promise<void> {
    const query = { [Query.appendType]: AppendType.flush, [Query.appendHandle]: handle };
    const headers: Record<string, string> = {};
    if (checksum !== undefined) {
      headers[Header.checksumType] = checksum.type;
      headers[Header.checksumValue] = checksum.value;
    }
    await this.#send('PUT', address, 'flush', { query, headers });
  }

  /** `POST mpt-upload`: the new upload's ID (plain text). */
  async createUpload(address: ObjectAddress): Promise<string> {
    const message: ActionMessage = { action: Action.multipartUpload, name: '', value: null };
    const response = await this.#send('POST', address, 'start upload of', { message });
    const uploadId = response.payload.toString('utf8');
    if (uploadId === '') {
      const label = objectLabel('POST', address.bucket, address.name);
      throw new TransportError(label, 'mpt-upload answered without an upload ID');
    }
    return uploadId;
  }

  /** `PUT ?uploadId=&partNumber=`: one part (1..9999); a part sent again replaces it. */
  async uploadPart(
    address: ObjectAddress,
    uploadId: string,
    partNumber: number,
    body: ObjectBody,
  ): Promise<void> {
    const query = { [Query.uploadId]: uploadId, [Query.partNumber]: String(partNumber) };
    const headers = { [Header.contentType]: ContentType.octetStream };
    await this.#send('PUT', address, `upload part ${partNumber} of`, {
      query,
      headers,
      body: replayableBody(body),
    });
  }

  /** `POST mpt-complete`: `partNumbers` must be every uploaded part, 1..N (any order). */
  async completeUpload(
    address: ObjectAddress,
    uploadId: string,
    partNumbers: number[],
  ): Promise<void> {
    const value: MultipartPartJson[] = partNumbers.map((n) => ({ 'part-number': n, etag: '' }));
    const message: ActionMessage = { action: Action.multipartComplete, name: '', value };
    await this.#send('POST', address, 'complete upload of', {
      query: { [Query.uploadId]: uploadId },
      message,
    });
  }

  /** `DELETE ?uploadId=` with `mpt-abort`. */
  async abortUpload(address: ObjectAddress, uploadId: string): Promise<void> {
    const message: ActionMessage = { action: Action.multipartAbort, name: '', value: null };
    await this.#send('DELETE', address, 'abort upload of', {
      query: { [Query.uploadId]: uploadId },
      message,
    });
  }

  async #send(
    method: 'PUT' | 'POST' | 'DELETE',
    address: ObjectAddress,
    what: string,
    extra: Pick<ObjectRequest, 'query' | 'headers' | 'body'> & { message?: ActionMessage },
  ): Promise<BufferedResponse> {
    const { bucket, name } = address;
    const plain = objectLabel(method, bucket, name);
    const label = { ...plain, text: `${what} ${plain.subject ?? name}` };
    const headers: Record<string, string> = { ...extra.headers };
    let body = extra.body;
    if (extra.message !== undefined) {
      headers[Header.contentType] = ContentType.json;
      body = jsonBody(extra.message);
    }
    const response = await this.router.buffered({
      method,
      bucket,
      objectName: name,
      label,
      headers,
      ...(extra.query === undefined ? {} : { query: extra.query }),
      ...(body === undefined ? {} : { body }),
    });
    throwIfBufferedError(response, label, [200, 201, 204]);
    return response;
  }
}
