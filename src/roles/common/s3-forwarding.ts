// S3 requests between nodes: a gateway (or a target that does not store the key) proxies an object
// request to the HRW owner's intra-cluster port, streaming the body there and the answer back,
// because S3 clients do not follow redirects for writes.
import { acceptBody, type RequestContext } from '../../api/common/index.js';
import {
  appendForwardingHeaders,
  ForwardHeader,
  forwardedPath,
  forwardHeaderPrefix,
  type AuthResult,
  type S3ForwardedAnswer,
  type S3ForwardedWrite,
  type S3Forwarder,
} from '../../api/s3/index.js';
import { StoreError } from '../../errors/index.js';
import { objectUname, type BucketJson, type BucketPropsJson } from '../../wire/index.js';
import type { ClusterNode } from '../../cluster/index.js';
import { validateObjectName } from '../../storage/layout/index.js';
import { passedHead } from '../../transport/index.js';
import { lookupBucket } from './bucket-lookup.js';
import { isConnectionFailure, unreachableOwner } from './unreachable-targets.js';
import type { NodeRuntime } from './node-runtime.js';

/** Headers that describe one connection (RFC 9110 §7.6.1) or the caller: never forwarded. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'expect',
  'host',
  // The intra client says who is calling.
  'ais-caller-id',
  'ais-caller-name',
]);

/** The bucket identity S3 requests use: the global namespace of ais buckets. */
export function s3Bucket(name: string): { name: string; provider: string } {
  return { name, provider: 'ais' };
}

/** The target that stores `key` of S3 bucket `bucket`. */
export function ownerOf(runtime: NodeRuntime, bucket: string, key: string): ClusterNode {
  const owner = runtime.store.clusterMap?.ownerOf(objectUname(s3Bucket(bucket), key));
  if (owner === undefined)
    throw new StoreError('ClusterNotReady', 'no storage targets in the cluster');
  return owner;
}

/** How long a forwarded request may wait for headers, or between two body chunks. */
export function forwardTimeoutMs(runtime: NodeRuntime): number {
  return runtime.store.config.values.timeouts.control_ms * 6;
}

/** Admits a client's object request on a bucket or throws (a gateway's frontend rate limit). */
export interface RequestAdmission {
  admit(bucket: BucketJson, props: BucketPropsJson, method: string): void;
}

/**
 * Resolves once a request routed by a node that knew bucket metadata `senderVersion` may look
 * `bucket` up; undefined when it may now.
 */
export type BucketReadiness = (
  bucket: BucketJson,
  senderVersion: string | undefined,
) => Promise<void> | undefined;

export class OwnerForwarder implements S3Forwarder {
  constructor(
    private readonly runtime: NodeRuntime,
    private readonly admission?: RequestAdmission,
    private readonly bucketReady: BucketReadiness = () => undefined,
  ) {}

  arrived(context: RequestContext, bucket: string): Promise<void> | undefined {
    const version = context.req.headers[ForwardHeader.bucketMetadataVersion];
    return this.bucketReady(s3Bucket(bucket), typeof version === 'string' ? version : undefined);
  }

  #metadataVersion(): string {
    return String(this.runtime.store.bucketMetadata?.version ?? 0);
  }

  /**
   * Proxies the request to the owner, or answers false when this node is the owner. A read whose
   * owner is unreachable (known so, or its connection fails before anything was answered) goes to
   * the target that stands in for it.
   */
  async forward(
    context: RequestContext,
    bucket: string,
    key: string,
    auth: AuthResult,
  ): Promise<boolean> {
    const owner = ownerOf(this.runtime, bucket, key);
    if (owner.id === this.runtime.id) return false;
    // Checked here as well as on the target: the request's URL must not be resolved on the way.
    const { props } = lookupBucket(this.runtime, s3Bucket(bucket));
    validateObjectName(key);
    this.admission?.admit(s3Bucket(bucket), props, context.method);
    const headers = (): string[] => {
      const list = forwardedHeaders(context, false);
      appendForwardingHeaders(list, this.runtime.id, key, auth);
      list.push(ForwardHeader.bucketMetadataVersion, this.#metadataVersion());
      return list;
    };
    const path = `${forwardedPath(bucket, key)}${context.search}`;
    const read = context.method === 'GET' || context.method === 'HEAD';
    const unreachable = this.runtime.unreachable;
    if (!read || !unreachable.isUnreachable(owner)) {
      try {
        await this.#proxy(context, owner.dataUrl, path, headers(), read);
        return true;
      } catch (error) {
        const answered = context.res.headersSent || context.res.destroyed;
        if (!read || answered || !isConnectionFailure(error)) throw error;
        unreachable.markUnreachable(owner);
        this.runtime.log.warn('owner unreachable: reading through a substitute', {
          owner: owner.id,
          bucket,
          key,
        });
      }
    }
    await this.#readThroughSubstitute(context, bucket, key, owner, path, headers);
    return true;
  }

  async forwardToGateway(context: RequestContext): Promise<boolean> {
    if (!this.runtime.store.config.values.s3.serve_on_targets) return false;
    const gateway = this.runtime.store.clusterMap?.primary;
    if (gateway === undefined) throw new StoreError('ClusterNotReady', 'no gateway known yet');
    const read = context.method === 'GET' || context.method === 'HEAD';
    // The client's own request, signature and Host included: the gateway verifies it as its own.
    const headers = forwardedHeaders(context, true);
    await this.#proxy(context, gateway.publicUrl, context.req.url ?? '/', headers, read);
    return true;
  }

  async forwardWrite(write: S3ForwardedWrite): Promise<S3ForwardedAnswer> {
    const { bucket, key } = write;
    const owner = ownerOf(this.runtime, bucket, key);
    const { props } = lookupBucket(this.runtime, s3Bucket(bucket));
    validateObjectName(key);
    this.admission?.admit(s3Bucket(bucket), props, 'PUT');
    const forwarding: string[] = [];
    appendForwardingHeaders(forwarding, this.runtime.id, key, write.auth);
    const headers: Record<string, string> = { ...write.headers };
    for (let index = 0; index + 1 < forwarding.length; index += 2)
      headers[forwarding[index] as string] = forwarding[index + 1] as string;
    headers[ForwardHeader.bucketMetadataVersion] = this.#metadataVersion();
    return await this.runtime.client.stream(`${owner.dataUrl}${forwardedPath(bucket, key)}`, {
      method: 'PUT',
      headers,
      body: write.body,
      timeoutMs: forwardTimeoutMs(this.runtime),
    });
  }

  async #readThroughSubstitute(
    context: RequestContext,
    bucket: string,
    key: string,
    owner: ClusterNode,
    path: string,
    headers: () => string[],
  ): Promise<void> {
    const unreachable = this.runtime.unreachable;
    const map = this.runtime.store.clusterMap;
    const uname = objectUname(s3Bucket(bucket), key);
    // Each failed substitute is marked unreachable, so the next pass picks another one.
    for (let attempt = 0; attempt < (map?.activeTargets().length ?? 0); attempt += 1) {
      const substitute =
        map === undefined ? undefined : await unreachable.substituteFor(map, uname, owner);
      if (substitute === undefined) break;
      try {
        const substituteHeaders = headers();
        substituteHeaders.push(ForwardHeader.substituteFor, owner.id);
        await this.#proxy(context, substitute.dataUrl, path, substituteHeaders, true);
        return;
      } catch (error) {
        const answered = context.res.headersSent || context.res.destroyed;
        if (answered || !isConnectionFailure(error)) throw error;
        unreachable.markUnreachable(substitute);
      }
    }
    throw unreachableOwner(owner);
  }

  #proxy(
    context: RequestContext,
    origin: string,
    path: string,
    headers: string[],
    read: boolean,
  ): Promise<void> {
    const { req, res } = context;
    const hasBody =
      !read &&
      (req.headers['content-length'] !== undefined ||
        req.headers['transfer-encoding'] !== undefined);
    if (hasBody) acceptBody(context);
    return this.runtime.client.proxy(
      {
        origin,
        path,
        method: context.method,
        headers,
        body: hasBody ? req : undefined,
        timeoutMs: forwardTimeoutMs(this.runtime),
      },
      res,
      (statusCode, answer) => {
        const passed = passedHead(answer, hopByHop);
        context.answerLength = passed.contentLength;
        // The owner answered before the whole body arrived (a refusal): nothing reads the rest, so
        // the connection could never carry another request; it would sit paused, unaware of the
        // client hanging up, until the keep-alive timeout. Close it after the answer instead.
        if (hasBody && !req.complete) passed.headers.push('connection', 'close');
        res.writeHead(statusCode, passed.headers);
      },
    );
  }
}

/**
 * The client's headers as a raw list, without hop-by-hop headers and without any that claim to be
 * part of the forwarding protocol (only this node may set those). For an owner, also without the
 * signature this node verified (the owner reads the verified context from the forwarding headers;
 * the credential need not travel further, nor be checked and copied again on the way); for a
 * gateway, with the signature and the Host it covers, so that the gateway can verify it again.
 */
function forwardedHeaders(context: RequestContext, signed: boolean): string[] {
  const raw = context.req.rawHeaders;
  const headers: string[] = [];
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index] as string;
    const lower = name.toLowerCase();
    const kept = signed
      ? lower === 'host' || !hopByHop.has(lower)
      : !hopByHop.has(lower) && lower !== 'authorization';
    if (!kept || lower.startsWith(forwardHeaderPrefix)) continue;
    headers.push(name, raw[index + 1] as string);
  }
  return headers;
}
