// A client of the AuthN service (`cairn authn`, AIStore's AuthN API): login, users, roles,
// clusters, token revocation and S3 keys. Every call but login needs an admin's token.
import { ApiError, parseErrorBody } from '../errors.js';

export interface AuthnUser {
  id: string;
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

  constructor(
    url: string,
    readonly token?: string,
    readonly timeoutMs = 60_000,
  ) {
    this.#url = url.replace(/\/+$/, '');
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
    const response = await fetch(`${this.#url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) {
      const label = { text: `AuthN ${method} ${path}` };
      throw new ApiError(label, response.status, parseErrorBody(text), text);
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
}
