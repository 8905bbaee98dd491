// S3 requests between nodes: a gateway (or a target that does not store the key) proxies an object
// request to the HRW owner's intra-cluster port, streaming the body there and the answer back,
// because S3 clients do not follow redirects for writes.
import { acceptBody, type RequestContext } from '../../api/common/index.js';
import { ForwardHeader, forwardedPath, type S3Forwarder } from '../../api/s3/index.js';
import { StoreError } from '../../errors/index.js';
import { objectUname } from '../../wire/index.js';
import type { ClusterNode } from '../../cluster/index.js';
import { validateObjectName } from '../../storage/layout/index.js';
import { lookupBucket } from './bucket-lookup.js';
import { isConnectionFailure, unreachableOwner } from './unreachable-targets.js';
import type { NodeRuntime } from './node-runtime.js';

/** Headers that describe one connection, never forwarded (RFC 9110 §7.6.1). */
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

export class OwnerForwarder implements S3Forwarder {
  constructor(private readonly runtime: NodeRuntime) {}

  servesLocally(bucket: string, key: string): boolean {
    return ownerOf(this.runtime, bucket, key).id === this.runtime.id;
  }

  /**
   * Proxies the request to the owner. A read whose owner is unreachable (known so, or its
   * connection fails before anything was answered) goes to the target that stands in for it.
   */
  async forward(
    context: RequestContext,
    bucket: string,
    key: string,
    extraHeaders: Record<string, string>,
  ): Promise<void> {
    // Checked here as well as on the target: the request's URL must not be resolved on the way.
    lookupBucket(this.runtime, s3Bucket(bucket));
    validateObjectName(key);
    const owner = ownerOf(this.runtime, bucket, key);
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(context.req.headers)) {
      if (value !== undefined && !hopByHop.has(name)) headers[name] = value;
    }
    Object.assign(headers, extraHeaders);
    const read = context.method === 'GET' || context.method === 'HEAD';
    const unreachable = this.runtime.unreachable;
    if (!read || !unreachable.isUnreachable(owner)) {
      try {
        await this.#proxy(context, owner, bucket, key, headers, read);
        return;
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
    headers[ForwardHeader.substituteFor] = owner.id;
    const map = this.runtime.store.clusterMap;
    const uname = objectUname(s3Bucket(bucket), key);
    // Each failed substitute is marked unreachable, so the next pass picks another one.
    for (let attempt = 0; attempt < (map?.activeTargets().length ?? 0); attempt += 1) {
      const substitute =
        map === undefined ? undefined : await unreachable.substituteFor(map, uname, owner);
      if (substitute === undefined) break;
      try {
        await this.#proxy(context, substitute, bucket, key, headers, read);
        return;
      } catch (error) {
        const answered = context.res.headersSent || context.res.destroyed;
        if (answered || !isConnectionFailure(error)) throw error;
        unreachable.markUnreachable(substitute);
      }
    }
    throw unreachableOwner(owner);
  }

  async #proxy(
    context: RequestContext,
    node: ClusterNode,
    bucket: string,
    key: string,
    headers: Record<string, string | string[]>,
    read: boolean,
  ): Promise<void> {
    const hasBody =
      !read &&
      (context.req.headers['content-length'] !== undefined ||
        context.req.headers['transfer-encoding'] !== undefined);
    if (hasBody) acceptBody(context);
    const { res } = context;
    await this.runtime.client.proxy(
      `${node.intraUrl}${forwardedPath(bucket, key)}${context.search}`,
      {
        method: context.method,
        headers,
        ...(hasBody ? { body: context.req } : {}),
        timeoutMs: forwardTimeoutMs(this.runtime),
      },
      ({ statusCode, headers: answer }) => {
        res.statusCode = statusCode;
        for (const [name, value] of Object.entries(answer)) {
          if (value !== undefined && !hopByHop.has(name)) res.setHeader(name, value);
        }
        // The owner answered before the whole body arrived (a refusal): nothing reads the rest, so
        // the connection could never carry another request; it would sit paused, unaware of the
        // client hanging up, until the keep-alive timeout. Close it after the answer instead.
        if (hasBody && !context.req.complete) res.setHeader('connection', 'close');
        return res;
      },
    );
  }
}
