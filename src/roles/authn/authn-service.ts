// `cairn authn`: the AuthN service, its own process (AIStore's `authn`), with its records in its
// own directory and the same listening conventions as a node.
import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { startHttpServer, type RunningServer } from '../../api/common/index.js';
import { tokenKeys } from '../../auth/index.js';
import { createLogger } from '../../util/log.js';
import { AuthnDb } from './authn-db.js';
import { AuthnPush } from './authn-push.js';
import { handleAuthn } from './authn-routes.js';

export interface AuthnConfig {
  dir: string;
  host: string;
  port: number;
  /** HMAC secret shared with the clusters (their `auth.secret`). */
  secret: string;
  /** PEM private key: tokens are signed RS256 with it instead (clusters get the public key). */
  rsaKeyFile?: string | undefined;
  adminName: string;
  /** Needed on the first start only (the initial admin user). */
  adminPassword: string | undefined;
  tokenLifetimeSeconds: number;
  pushIntervalMs: number;
}

export interface RunningAuthn {
  readonly url: string;
  close(): Promise<void>;
}

export async function startAuthn(config: AuthnConfig): Promise<RunningAuthn> {
  await mkdir(config.dir, { recursive: true, mode: 0o700 });
  const log = createLogger({ role: 'authn' });
  const rsaPem =
    config.rsaKeyFile === undefined ? undefined : await readFile(config.rsaKeyFile, 'utf8');
  const keys = tokenKeys({ secret: config.secret, ...(rsaPem === undefined ? {} : { rsaPem }) });
  const db = await AuthnDb.open(config.dir, {
    name: config.adminName,
    password: config.adminPassword,
  });
  const push = new AuthnPush(db, keys, log, config.pushIntervalMs);
  const authn = { db, keys, push, defaultLifetimeSeconds: config.tokenLifetimeSeconds };
  const server: RunningServer = await startHttpServer({
    host: config.host,
    port: config.port,
    nodeId: 'authn',
    intra: false,
    log,
    handle: (context) => handleAuthn(authn, context),
  });
  push.start();
  const url = `http://${config.host}:${server.port}`;
  return {
    url,
    close: async () => {
      push.stop();
      await server.close();
    },
  };
}
