// A client of the AuthN service (`cairn authn`, AIStore's AuthN API): login, users, roles,
// clusters, token revocation and S3 keys. Every call but login needs an admin's token.
import { Agent, fetch } from 'undici';
import { TlsConnector } from '../../util/tls/tls-client.js';
import { ApiError, TransportError, parseErrorBody } from '../errors.js';

/** How the client trusts an AuthN service served over HTTPS. */
export interface AuthnClientTls {
  /** PEM CA bundle to trust instead of the system's CAs (CLI `--ca-cert`). */
  caCert?: string | Buffer | undefined;
  /** Accept any certificate (self-signed, tests; CLI `--insecure`). */
  insecure?: boolean;
}

export interface AuthnUser {
  id: string;
  /** Optional, unique; S3 ACLs may grant to the user by it. */
  email?: string;
  roles: string[];
  clusters: { id: string; perm?: string }[];
  buckets: { bck: { name: string; provider?: string }; perm: string }[];
}

export interface AuthnRole {
  name: string;
  desc: string;
  roles: string[];
  clusters: { id: string; perm?: string }[];
  buckets: { bck: { name: string; provider?: string }; perm: string }[];
  admin: boolean;
}

export interface AuthnS3Key {
  access_key: string;
  secret_key?: string;
  user: string;
}

export class AuthnClient {
  readonly #url: string;
  /** Connections trusting `tls` (none: the default ones, the system's CAs). */
  readonly #agent: Agent | undefined;

  constructor(
    url: string,
    readonly token?: string,
    readonly timeoutMs = 60_000,
    tls: AuthnClientTls = {},
  ) {
    this.#url = url.replace(/\/+$/, '');
    const insecure = tls.insecure === true;
    this.#agent =
      tls.caCert === undefined && !insecure
        ? undefined
        : new Agent({ connect: new TlsConnector({ ca: tls.caCert, verify: !insecure }).connect });
  }

  /** Closes the connections (clients with TLS settings keep their own). */
  async close(): Promise<void> {
    await this.#agent?.close();
  }

  /** `POST /v1/users/<name>` → a token (lifetime: the service's default unless given). */
  async login(name: string, password: string, expiresInSeconds?: number): Promise<string> {
    const body = {
      password,
      ...(expiresInSeconds === undefined ? {} : { expires_in: expiresInSeconds * 1e9 }),
    };
    const answer = (await this.#call('POST', `/v1/users/${encodeURIComponent(name)}`, body)) as {
      token?: string;
    };
    if (typeof answer?.token !== 'string') throw new Error('login: no token in the answer');
    return answer.token;
  }

  revokeToken(token: string): Promise<unknown> {
    return this.#call('DELETE', '/v1/tokens', { token });
  }

  addUser(
    id: string,
    password: string,
    spec: Partial<Omit<AuthnUser, 'id'>> = {},
  ): Promise<unknown> {
    return this.#call('POST', '/v1/users', { id, pass: password, ...spec });
  }

  updateUser(
    id: string,
    spec: Partial<Omit<AuthnUser, 'id'>> & { pass?: string },
  ): Promise<unknown> {
    return this.#call('PUT', `/v1/users/${encodeURIComponent(id)}`, spec);
  }

  async listUsers(): Promise<AuthnUser[]> {
    const users = (await this.#call('GET', '/v1/users')) as Record<string, AuthnUser>;
    return Object.values(users).sort((a, b) => a.id.localeCompare(b.id));
  }

  removeUser(id: string): Promise<unknown> {
    return this.#call('DELETE', `/v1/users/${encodeURIComponent(id)}`);
  }

  addRole(role: Partial<AuthnRole> & { name: string }): Promise<unknown> {
    return this.#call('POST', '/v1/roles', role);
  }

  async listRoles(): Promise<AuthnRole[]> {
    return (await this.#call('GET', '/v1/roles')) as AuthnRole[];
  }

  removeRole(name: string): Promise<unknown> {
    return this.#call('DELETE', `/v1/roles/${encodeURIComponent(name)}`);
  }

  registerCluster(id: string, alias: string, urls: string[]): Promise<unknown> {
    return this.#call('POST', '/v1/clusters', { id, alias, urls });
  }

  async listClusters(): Promise<{ id: string; alias?: string; urls?: string[] }[]> {
    const answer = (await this.#call('GET', '/v1/clusters')) as {
      clusters?: Record<string, { id: string; alias?: string; urls?: string[] }>;
    };
    return Object.values(answer.clusters ?? {});
  }

  removeCluster(id: string): Promise<unknown> {
    return this.#call('DELETE', `/v1/clusters/${encodeURIComponent(id)}`);
  }

  /** A new S3 key pair owned by `user`; the secret is shown only in this answer. */
  async addS3Key(user: string): Promise<AuthnS3Key> {
    return (await this.#call('POST', '/v1/s3-keys', { user })) as AuthnS3Key;
  }

  async listS3Keys(user?: string): Promise<AuthnS3Key[]> {
    const query = user === undefined ? '' : `?user=${encodeURIComponent(user)}`;
    return (await this.#call('GET', `/v1/s3-keys${query}`)) as AuthnS3Key[];
  }

  removeS3Key(accessKey: string): Promise<unknown> {
    return this.#call('DELETE', `/v1/s3-keys/${encodeURIComponent(accessKey)}`);
  }

  async #call(method: string, path: string, body?: unknown): Promise<unknown> {
    const label = { text: `AuthN ${method} ${path}` };
    let response;
    try {
      response = await fetch(`${this.#url}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
        ...(this.#agent === undefined ? {} : { dispatcher: this.#agent }),
      });
    } catch (error) {
      // fetch says only "fetch failed": the reason (refused, a certificate not trusted) is its cause.
      const reason = error instanceof Error && error.cause instanceof Error ? error.cause : error;
      const detail = reason instanceof Error ? reason.message : String(reason);
      const code = (reason as { code?: unknown }).code;
      throw new TransportError(label, `${this.#url}: ${detail}`, {
        cause: error,
        ...(typeof code === 'string' ? { code } : {}),
      });
    }
    const text = await response.text();
    if (!response.ok) throw new ApiError(label, response.status, parseErrorBody(text), text);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
