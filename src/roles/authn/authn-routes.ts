// AIStore's AuthN API: `/v1/users` (login is `POST /v1/users/<name>` → `{"token"}`), `/v1/roles`,
// `/v1/clusters`, `DELETE /v1/tokens` (revoke); and Cairn's `/v1/s3-keys` (S3 keys owned by users).
// Everything but login needs an admin's token.
import type { RequestContext } from '../../api/common/index.js';
import { readJsonBody } from '../../api/common/index.js';
import { sendValue } from '../../api/native/index.js';
import {
  TokenErrorText,
  hashPassword,
  permissionsToWire,
  signToken,
  verifyPassword,
  verifyToken,
  type TokenKeys,
} from '../../auth/index.js';
import { StoreError, badRequest } from '../../errors/index.js';
import { asRecord } from '../../util/json.js';
import { AuthnDb, adminRole, type UserRecord } from './authn-db.js';
import type { AuthnPush } from './authn-push.js';

export interface AuthnContext {
  db: AuthnDb;
  keys: TokenKeys;
  push: AuthnPush;
  /** Token lifetime when a login does not ask for one. */
  defaultLifetimeSeconds: number;
}

/** Go's time.Duration in JSON: nanoseconds. */
const nanosecondsPerSecond = 1e9;

export async function handleAuthn(authn: AuthnContext, context: RequestContext): Promise<void> {
  const [version, resource = '', name, ...rest] = context.segments;
  if (version !== 'v1' || rest.length > 0)
    throw badRequest(
      `unknown path ${context.path}: expecting /v1/users|roles|clusters|tokens|s3-keys`,
    );
  if (resource === 'users' && name !== undefined && context.method === 'POST')
    return login(authn, context, name);
  await requireAdmin(authn, context);
  switch (resource) {
    case 'users':
      return users(authn, context, name);
    case 'roles':
      return roles(authn, context, name);
    case 'clusters':
      return clusters(authn, context, name);
    case 'tokens':
      return revoke(authn, context);
    case 's3-keys':
      return s3Keys(authn, context, name);
    default:
      throw badRequest(`unknown resource "${resource}"`);
  }
}

async function login(authn: AuthnContext, context: RequestContext, name: string): Promise<void> {
  const body = asRecord(await readJsonBody(context)) ?? {};
  const user = authn.db.data.users[name];
  const password = typeof body.password === 'string' ? body.password : '';
  // The same answer for an unknown user and a wrong password.
  if (user === undefined || !(await verifyPassword(password, user.password_hash)))
    throw new StoreError('Unauthorized', 'invalid credentials');
  let lifetime = authn.defaultLifetimeSeconds;
  if (body.expires_in !== undefined && body.expires_in !== null) {
    if (typeof body.expires_in !== 'number' || !(body.expires_in > 0))
      throw badRequest('expires_in must be a positive duration in nanoseconds');
    lifetime = Math.max(1, Math.round(body.expires_in / nanosecondsPerSecond));
  }
  const token = await signToken(authn.keys, authn.db.permissionsOf(user), lifetime);
  sendValue(context.res, { token });
}

async function requireAdmin(authn: AuthnContext, context: RequestContext): Promise<void> {
  const header = context.req.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (match?.[1] === undefined) throw new StoreError('Unauthorized', TokenErrorText.missing);
  const token = await verifyToken(authn.keys, match[1]);
  if (authn.db.data.revoked.some((entry) => entry.digest === token.digest))
    throw new StoreError('Unauthorized', TokenErrorText.revoked);
  if (!token.admin) throw new StoreError('AccessDenied', TokenErrorText.noPermissions);
}

function userView(user: UserRecord): Record<string, unknown> {
  const wire = permissionsToWire({ ...user, username: user.id, admin: false });
  return {
    id: user.id,
    ...(user.email === undefined ? {} : { email: user.email }),
    roles: user.roles,
    clusters: wire.clusters,
    buckets: wire.buckets,
  };
}

function notFound(what: string, name: string): StoreError {
  return new StoreError('ObjectNotFound', `${what} "${name}" does not exist`);
}

async function users(authn: AuthnContext, context: RequestContext, name?: string): Promise<void> {
  const { db } = authn;
  if (context.method === 'GET') {
    if (name === undefined) {
      sendValue(
        context.res,
        Object.fromEntries(Object.values(db.data.users).map((user) => [user.id, userView(user)])),
      );
      return;
    }
    const user = db.data.users[name];
    if (user === undefined) throw notFound('user', name);
    sendValue(context.res, userView(user));
    return;
  }
  if (context.method === 'DELETE' && name !== undefined) {
    await db.update((data) => {
      if (data.users[name] === undefined) throw notFound('user', name);
      delete data.users[name];
      data.s3_keys = data.s3_keys.filter((key) => key.user !== name);
    });
  } else if (context.method === 'POST' && name === undefined) {
    const input = AuthnDb.parseUser(await readJsonBody(context));
    if (input.id === undefined || input.pass === undefined)
      throw badRequest('a new user needs "id" and "pass"');
    const hash = await hashPassword(input.pass);
    const id = input.id;
    await db.update((data) => {
      if (data.users[id] !== undefined)
        throw new StoreError('Conflict', `user "${id}" already exists`);
      checkRoles(authn, input.roles ?? []);
      const email = input.email === '' ? undefined : input.email;
      AuthnDb.checkEmailFree(data, id, email);
      data.users[id] = {
        id,
        password_hash: hash,
        ...(email === undefined ? {} : { email }),
        roles: input.roles ?? [],
        clusters: input.clusters ?? [],
        buckets: input.buckets ?? [],
      };
    });
  } else if (context.method === 'PUT' && name !== undefined) {
    const input = AuthnDb.parseUser(await readJsonBody(context));
    const hash = input.pass === undefined ? undefined : await hashPassword(input.pass);
    await db.update((data) => {
      const user = data.users[name];
      if (user === undefined) throw notFound('user', name);
      if (input.roles !== undefined) checkRoles(authn, input.roles);
      const { email: previous, ...rest } = user;
      // Absent: kept; "": removed.
      const email =
        input.email === undefined ? previous : input.email === '' ? undefined : input.email;
      AuthnDb.checkEmailFree(data, name, email);
      data.users[name] = {
        ...rest,
        ...(email === undefined ? {} : { email }),
        ...(hash === undefined ? {} : { password_hash: hash }),
        ...(input.roles === undefined ? {} : { roles: input.roles }),
        ...(input.clusters == null ? {} : { clusters: input.clusters }),
        ...(input.buckets == null ? {} : { buckets: input.buckets }),
      };
    });
  } else {
    throw methodNotAllowed(context);
  }
  await authn.push.pushAll();
  context.res.end();
}

function checkRoles(authn: AuthnContext, names: readonly string[]): void {
  for (const role of names)
    if (authn.db.data.roles[role] === undefined) throw badRequest(`role "${role}" does not exist`);
}

async function roles(authn: AuthnContext, context: RequestContext, name?: string): Promise<void> {
  const { db } = authn;
  if (context.method === 'GET') {
    const all = Object.values(db.data.roles).map((role) => ({
      ...role,
      ...permissionsToWire({ ...role, username: role.name }),
    }));
    if (name === undefined) return sendValue(context.res, all);
    const role = all.find((item) => item.name === name);
    if (role === undefined) throw notFound('role', name);
    return sendValue(context.res, role);
  }
  if (context.method === 'DELETE' && name !== undefined) {
    if (name === adminRole) throw badRequest(`role "${adminRole}" cannot be removed`);
    await db.update((data) => {
      if (data.roles[name] === undefined) throw notFound('role', name);
      delete data.roles[name];
    });
  } else if (
    (context.method === 'POST' && name === undefined) ||
    (context.method === 'PUT' && name !== undefined)
  ) {
    const role = AuthnDb.parseRole(await readJsonBody(context));
    if (name !== undefined && role.name !== name)
      throw badRequest('the role\'s "name" must match the path');
    await db.update((data) => {
      const exists = data.roles[role.name] !== undefined;
      if (context.method === 'POST' && exists)
        throw new StoreError('Conflict', `role "${role.name}" already exists`);
      if (context.method === 'PUT' && !exists) throw notFound('role', role.name);
      data.roles[role.name] = role;
    });
  } else {
    throw methodNotAllowed(context);
  }
  await authn.push.pushAll();
  context.res.end();
}

async function clusters(authn: AuthnContext, context: RequestContext, id?: string): Promise<void> {
  const { db } = authn;
  if (context.method === 'GET') {
    const all = db.data.clusters;
    if (id === undefined) return sendValue(context.res, { clusters: all });
    const cluster = all[id];
    if (cluster === undefined) throw notFound('cluster', id);
    return sendValue(context.res, { clusters: { [id]: cluster } });
  }
  if (context.method === 'DELETE' && id !== undefined) {
    await db.update((data) => {
      if (data.clusters[id] === undefined) throw notFound('cluster', id);
      delete data.clusters[id];
    });
  } else if (
    (context.method === 'POST' && id === undefined) ||
    (context.method === 'PUT' && id !== undefined)
  ) {
    const cluster = AuthnDb.parseCluster(await readJsonBody(context));
    if (id !== undefined && cluster.id !== id)
      throw badRequest('the cluster\'s "id" must match the path');
    await db.update((data) => {
      const exists = data.clusters[cluster.id] !== undefined;
      if (context.method === 'POST' && exists)
        throw new StoreError('Conflict', `cluster "${cluster.id}" already registered`);
      if (context.method === 'PUT' && !exists) throw notFound('cluster', cluster.id);
      data.clusters[cluster.id] = {
        id: cluster.id,
        ...(cluster.alias === undefined ? {} : { alias: cluster.alias }),
        urls: cluster.urls ?? [],
      };
      if (!exists) for (const role of AuthnDb.clusterRoles(cluster)) data.roles[role.name] ??= role;
    });
  } else {
    throw methodNotAllowed(context);
  }
  await authn.push.pushAll();
  context.res.end();
}

async function revoke(authn: AuthnContext, context: RequestContext): Promise<void> {
  if (context.method !== 'DELETE') throw methodNotAllowed(context);
  const body = asRecord(await readJsonBody(context)) ?? {};
  if (typeof body.token !== 'string' || body.token === '')
    throw badRequest('expecting {"token": "..."}');
  let verified;
  try {
    verified = await verifyToken(authn.keys, body.token);
  } catch {
    throw badRequest('the token is not valid (or has expired): nothing to revoke');
  }
  const entry = { digest: verified.digest, expires: verified.expiresAt };
  await authn.db.update((data) => {
    if (!data.revoked.some((item) => item.digest === entry.digest)) data.revoked.push(entry);
    const now = Math.floor(Date.now() / 1000);
    data.revoked = data.revoked.filter((item) => item.expires >= now);
  });
  await authn.push.pushAll();
  context.res.end();
}

async function s3Keys(
  authn: AuthnContext,
  context: RequestContext,
  accessKey?: string,
): Promise<void> {
  const { db } = authn;
  if (context.method === 'GET' && accessKey === undefined) {
    const user = context.query.get('user');
    const keys = db.data.s3_keys.filter((key) => user === null || key.user === user);
    return sendValue(
      context.res,
      keys.map((key) => ({ access_key: key.access_key, user: key.user })),
    );
  }
  if (context.method === 'POST' && accessKey === undefined) {
    const body = asRecord(await readJsonBody(context)) ?? {};
    const user = typeof body.user === 'string' ? body.user : '';
    const key = AuthnDb.newS3Key();
    await db.update((data) => {
      if (data.users[user] === undefined) throw notFound('user', user);
      data.s3_keys.push({ ...key, user });
    });
    await authn.push.pushAll();
    // The secret is shown this once; the cluster gets it with the key table.
    return sendValue(context.res, { ...key, user });
  }
  if (context.method === 'DELETE' && accessKey !== undefined) {
    await db.update((data) => {
      const before = data.s3_keys.length;
      data.s3_keys = data.s3_keys.filter((key) => key.access_key !== accessKey);
      if (data.s3_keys.length === before) throw notFound('S3 key', accessKey);
    });
    await authn.push.pushAll();
    context.res.end();
    return;
  }
  throw methodNotAllowed(context);
}

function methodNotAllowed(context: RequestContext): StoreError {
  return new StoreError('MethodNotAllowed', `${context.method} ${context.path} is not supported`);
}
