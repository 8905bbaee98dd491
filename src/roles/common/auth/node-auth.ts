// A node's side of AuthN: checks every public native request's token (or a gateway's redirect
// proof) and every S3 key owner's permissions when `auth.enabled` is set, and keeps what the AuthN
// service hands the cluster: revoked tokens and S3 keys (`<dir>/auth-state.json`, atomic).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RequestContext, RequestHandler } from '../../../api/common/index.js';
import { readActionMessage, readJsonBody } from '../../../api/common/index.js';
import {
  describeAccess,
  isAllowed,
  parseClusterAuthState,
  requiredAccess,
  signRedirect,
  TokenErrorText,
  tokenKeys,
  verifyRedirect,
  verifyToken,
  VerifiedTokens,
  type BucketIdentity,
  type ClusterAuthState,
  type Permissions,
  type S3Identity,
  type TokenKeys,
  type VerifiedToken,
} from '../../../auth/index.js';
import type { ClusterConfigValues } from '../../../config/index.js';
import { StoreError, rejection } from '../../../errors/index.js';
import { writeFileAtomically } from '../../../util/atomic-file.js';
import { asRecord } from '../../../util/json.js';
import { SerialQueue } from '../../../util/serial-queue.js';

const stateFileName = 'auth-state.json';

type AuthConfig = ClusterConfigValues['auth'];

export class NodeAuth {
  #revoked = new Map<string, number>();
  #s3Keys = new Map<string, S3Identity>();
  #keys: { config: AuthConfig; keys: TokenKeys } | undefined;
  readonly #verified = new VerifiedTokens();
  readonly #writes = new SerialQueue();

  private constructor(
    private readonly dir: string,
    private readonly config: () => AuthConfig,
    private readonly clusterId: () => string,
  ) {}

  static async load(
    dir: string,
    config: () => AuthConfig,
    clusterId: () => string,
  ): Promise<NodeAuth> {
    const auth = new NodeAuth(dir, config, clusterId);
    let text: string | undefined;
    try {
      text = await readFile(join(dir, stateFileName), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      const state = parseClusterAuthState(JSON.parse(text));
      if (state === undefined) throw new Error(`${join(dir, stateFileName)} is malformed`);
      auth.#install(state, true);
    }
    return auth;
  }

  get enabled(): boolean {
    return this.config().enabled;
  }

  /** The native API behind the access check: public requests need a token or a redirect proof. */
  guardNative(handler: RequestHandler): RequestHandler {
    return (context) => {
      if (context.intra || !this.enabled) return handler(context);
      let pending: Promise<void> | undefined;
      try {
        pending = this.#checkNative(context);
      } catch (error) {
        // A refusal (StoreError) answers as the handler's own failures do: a rejected promise.
        return rejection(error);
      }
      return pending === undefined ? handler(context) : pending.then(() => handler(context));
    };
  }

  // Synchronous unless the request's body must be read (an action message, a download's bucket) or
  // its token was not seen before: a client sending the same token on every GET pays for a map
  // lookup and no promise (issue 18's "auth on >= 0.9 of auth off" on 4 KiB GETs).
  #checkNative(context: RequestContext): Promise<void> | undefined {
    const segments = context.segments.slice(1);
    const [resource, bucket] = segments;
    if (
      (resource === 'buckets' && bucket !== undefined && bucket !== '' && !isRead(context)) ||
      (resource === 'objects' && context.method === 'POST')
    ) {
      return readActionMessage(context).then((message) =>
        this.#checkAccess(context, segments, message?.action, undefined),
      );
    }
    if (resource === 'download' && context.method === 'POST') {
      return readJsonBody(context).then((body) =>
        this.#checkAccess(context, segments, undefined, bucketNamed(body)),
      );
    }
    return this.#checkAccess(context, segments, undefined, undefined);
  }

  #checkAccess(
    context: RequestContext,
    segments: readonly string[],
    action: string | undefined,
    downloadBucket: BucketIdentity | undefined,
  ): Promise<void> | undefined {
    const needed = requiredAccess({
      method: context.method,
      segments,
      query: context.query,
      action,
      downloadBucket,
    });
    if (needed.kind === 'open') return undefined;
    const resource = segments[0];
    if (
      (resource === 'objects' || resource === 'ml') &&
      verifyRedirect(this.config().secret, context.method, context.path, context.query, Date.now())
    ) {
      return undefined;
    }
    const token = this.#verifiedToken(context);
    if (token instanceof Promise)
      return token.then((verified) => this.#authorize(verified, needed.access, needed.bucket));
    this.#authorize(token, needed.access, needed.bucket);
    return undefined;
  }

  /** The request's token, verified: at once when this node verified it before. */
  #verifiedToken(context: RequestContext): VerifiedToken | Promise<VerifiedToken> {
    const header = context.req.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (match?.[1] === undefined) throw new StoreError('Unauthorized', TokenErrorText.missing);
    const keys = this.#tokenKeys();
    const now = Date.now();
    const known = this.#verified.known(keys, match[1], now);
    if (known !== undefined) return this.#unrevoked(known);
    return this.#verified.verify(keys, match[1], now).then((token) => this.#unrevoked(token));
  }

  #unrevoked(token: VerifiedToken): VerifiedToken {
    if (this.#revoked.has(token.digest))
      throw new StoreError('Unauthorized', TokenErrorText.revoked);
    return token;
  }

  #authorize(permissions: Permissions, access: number, bucket?: BucketIdentity): void {
    if (isAllowed(permissions, this.clusterId(), access, bucket)) return;
    const on =
      bucket === undefined ? 'the cluster' : `bucket "${bucket.provider}://${bucket.name}"`;
    throw new StoreError(
      'AccessDenied',
      `${TokenErrorText.noPermissions}: user "${permissions.username}" may not ${describeAccess(access)} on ${on}`,
    );
  }

  #tokenKeys(): TokenKeys {
    const config = this.config();
    if (this.#keys?.config !== config) {
      this.#keys = {
        config,
        keys: tokenKeys({ secret: config.secret, rsaPem: config.public_key }),
      };
    }
    return this.#keys.keys;
  }

  /** Signs a gateway's redirect (pid and utm already in `query`) when AuthN is on. */
  signRedirect(method: string, path: string, query: URLSearchParams): void {
    const config = this.config();
    if (config.enabled) signRedirect(config.secret, method, path, query);
  }

  /** The S3 key's secret: the pushed key table's, else the node config's single pair. */
  s3Secret(accessKey: string): string | undefined {
    return this.#s3Keys.get(accessKey)?.secretKey;
  }

  /** The permissions of the user owning `accessKey` (undefined: no such key). */
  s3Owner(accessKey: string): Permissions | undefined {
    return this.#s3Keys.get(accessKey)?.owner;
  }

  /** Whether the owner of `accessKey` may do `access` (on `bucket`). Only when AuthN is on. */
  allowsS3(accessKey: string, access: number, bucket?: BucketIdentity): boolean {
    const identity = this.#s3Keys.get(accessKey);
    return identity !== undefined && isAllowed(identity.owner, this.clusterId(), access, bucket);
  }

  /** True when some S3 key belongs to user `username` (an ACL may name it). */
  hasS3User(username: string): boolean {
    for (const identity of this.#s3Keys.values()) {
      if (identity.owner.username === username) return true;
    }
    return false;
  }

  /** The user whose email this is (case-insensitive, as S3 matches grantees by email). */
  s3UserByEmail(email: string): string | undefined {
    const wanted = email.toLowerCase();
    for (const identity of this.#s3Keys.values()) {
      if (identity.email?.toLowerCase() === wanted) return identity.owner.username;
    }
    return undefined;
  }

  /** Token and keys as the AuthN service sends them: revocations add up, the key table is replaced. */
  async apply(state: ClusterAuthState, replaceKeys: boolean): Promise<void> {
    this.#install(state, replaceKeys);
    await this.#save();
  }

  /** Revokes single tokens (AIStore's `DELETE /v1/tokens`), checking each one's signature. */
  async revokeTokens(tokens: readonly string[]): Promise<void> {
    const revoked: ClusterAuthState['revoked'] = [];
    for (const token of tokens) {
      try {
        const verified = await verifyToken(this.#tokenKeys(), token);
        revoked.push({ digest: verified.digest, expires: verified.expiresAt });
      } catch {
        // An expired or foreign token needs no revoking: it is refused anyway.
      }
    }
    await this.apply({ revoked, s3_keys: [] }, false);
  }

  /** What this node holds, to fan out (a gateway passes a revocation on to every other node). */
  snapshot(): ClusterAuthState {
    return {
      revoked: [...this.#revoked].map(([digest, expires]) => ({ digest, expires })),
      s3_keys: [...this.#s3Keys].map(([access_key, identity]) => ({
        access_key,
        secret_key: identity.secretKey,
        owner: {
          username: identity.owner.username,
          admin: identity.owner.admin,
          clusters: [...identity.owner.clusters],
          buckets: [...identity.owner.buckets],
        },
        ...(identity.email === undefined ? {} : { email: identity.email }),
      })),
    };
  }

  #install(state: ClusterAuthState, replaceKeys: boolean): void {
    const nowSeconds = Math.floor(Date.now() / 1000);
    for (const [digest, expires] of this.#revoked)
      if (expires < nowSeconds) this.#revoked.delete(digest);
    for (const entry of state.revoked)
      if (entry.expires >= nowSeconds) this.#revoked.set(entry.digest, entry.expires);
    if (!replaceKeys) return;
    this.#s3Keys = new Map(
      state.s3_keys.map((key) => [
        key.access_key,
        { secretKey: key.secret_key, owner: key.owner, email: key.email },
      ]),
    );
  }

  #save(): Promise<void> {
    return this.#writes.run(() =>
      writeFileAtomically(
        join(this.dir, stateFileName),
        JSON.stringify(this.snapshot()),
        undefined,
        0o600,
      ),
    );
  }
}

function isRead(context: RequestContext): boolean {
  return context.method === 'GET' || context.method === 'HEAD';
}

/** The `bucket` of a JSON body (a download's destination), as the access check names buckets. */
function bucketNamed(body: unknown): BucketIdentity | undefined {
  const bucket = asRecord(asRecord(body)?.bucket);
  if (bucket === undefined || typeof bucket.name !== 'string' || bucket.name === '')
    return undefined;
  const provider =
    typeof bucket.provider === 'string' && bucket.provider !== '' ? bucket.provider : 'ais';
  const namespace = asRecord(bucket.namespace)?.name;
  return {
    name: bucket.name,
    provider: provider === 'aws' ? 's3' : provider,
    namespace: typeof namespace === 'string' ? namespace : '',
  };
}
