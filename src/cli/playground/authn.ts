// `playground start --auth`: the playground's AuthN service (`cairn authn` in DIR/authn on
// PORT+200), its HMAC secret and admin password (DIR/authn/playground-auth.json, mode 0600, kept
// for the next start), and turning `auth.enabled` on in the cluster once every node is up.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AuthnClient } from '../../sdk/authn/authn-client.js';
import { Client, type ClientOptions } from '../../sdk/index.js';
import { sleep } from '../../util/time.js';
import { asRecord } from '../../util/json.js';
import { CommandError, errorLine } from '../cli-errors.js';
import type { PlaygroundTls } from './certificates.js';
import { intraPortOffset } from './layout.js';
import {
  isAuthnProcess,
  logTail,
  spawnLogged,
  stopGraceMs,
  terminate,
  type ExitStatus,
} from './processes.js';

/** The AuthN service listens this far above the base port, past every node's intra port. */
const authnPortOffset = 2 * intraPortOffset;
const authnLogName = 'authn.log';
const credentialsName = 'playground-auth.json';
const adminUser = 'admin';
/** The alias the playground's cluster is registered under (roles `BucketOwner-playground`, ...). */
export const playgroundClusterAlias = 'playground';
const pollIntervalMs = 250;

/** The AuthN service of a playground, as recorded in `playground.json`. */
export interface PlaygroundAuthn {
  dir: string;
  url: string;
  port: number;
  /** The running `cairn authn`; null when stopped. */
  pid: number | null;
}

/** The service's secret (shared with the cluster) and the admin's password. */
interface Credentials {
  secret: string;
  adminPassword: string;
}

/** Plans the service of the playground in `dir` with base port `basePort`. */
export function planAuthn(dir: string, basePort: number, https: boolean): PlaygroundAuthn {
  const port = basePort + authnPortOffset;
  const scheme = https ? 'https' : 'http';
  return { dir: join(dir, 'authn'), url: `${scheme}://127.0.0.1:${port}`, port, pid: null };
}

/**
 * Starts `cairn authn` detached (it runs until `playground stop`) and waits until the admin can
 * log in; returns the admin's token and password.
 */
export async function startAuthn(
  entryScript: string,
  authn: PlaygroundAuthn,
  tls: PlaygroundTls | undefined,
  trust: ClientOptions,
  deadlineMs: number,
): Promise<{ token: string; adminPassword: string; secret: string }> {
  await mkdir(authn.dir, { recursive: true, mode: 0o700 });
  const credentials = await playgroundCredentials(authn.dir);
  const args = [entryScript, 'authn', '--dir', authn.dir, '--port', String(authn.port)];
  // The same certificate as the nodes; the CA lets it push revocations to HTTPS gateways.
  if (tls !== undefined)
    args.push('--https', '--tls-cert', tls.cert, '--tls-key', tls.key, '--tls-ca', tls.ca);
  const spawned = await spawnLogged(join(authn.dir, authnLogName), args, {
    cwd: authn.dir,
    detached: true,
    marker: '--- cairn playground: starting authn',
    env: {
      ...process.env,
      CAIRN_AUTHN_SECRET: credentials.secret,
      CAIRN_AUTHN_ADMIN_USER: adminUser,
      // Used on the first start only: the user is on disk afterwards.
      CAIRN_AUTHN_ADMIN_PASSWORD: credentials.adminPassword,
    },
  });
  authn.pid = spawned.pid;
  const exit: { status?: ExitStatus } = {};
  void spawned.exited.then((status) => {
    exit.status = status;
  });
  const client = new AuthnClient(authn.url, undefined, 2_000, trust);
  try {
    for (;;) {
      try {
        const token = await client.login(adminUser, credentials.adminPassword);
        return { token, ...credentials };
      } catch (error) {
        if (exit.status !== undefined || Date.now() > deadlineMs) {
          // Not recorded anywhere yet: nothing else would stop it.
          if (exit.status === undefined) await terminate([spawned.pid], stopGraceMs);
          authn.pid = null;
          const log = (await logTail(authn.dir, 10, authnLogName)).join('\n  ');
          throw new CommandError(
            `the AuthN service did not start (${exit.status === undefined ? errorLine(error) : 'it exited'}); ${join(authn.dir, authnLogName)}:\n  ${log}`,
          );
        }
        await sleep(pollIntervalMs);
      }
    }
  } finally {
    await client.close();
  }
}

/**
 * Turns auth on in the cluster (the secret with it; a cluster that has it on already takes the
 * admin's token) and registers the cluster with the AuthN service, once.
 */
export async function enableClusterAuth(
  endpoint: string,
  authn: PlaygroundAuthn,
  trust: ClientOptions,
  started: { token: string; secret: string },
): Promise<void> {
  const cluster = new Client(endpoint, { ...trust, token: started.token });
  const service = new AuthnClient(authn.url, started.token, 60_000, trust);
  try {
    await cluster.cluster.setConfig({ 'auth.enabled': true, 'auth.secret': started.secret });
    const { uuid } = await cluster.clusterMap({ refresh: true });
    const known = await service.listClusters();
    if (!known.some((registered) => registered.id === uuid))
      await service.registerCluster(uuid, playgroundClusterAlias, [endpoint]);
  } finally {
    await Promise.all([cluster.close(), service.close()]);
  }
}

/** Stops the recorded service if it still runs (SIGTERM, then SIGKILL); true when it ran. */
export async function stopAuthn(authn: PlaygroundAuthn | undefined): Promise<boolean> {
  if (authn === undefined) return false;
  const pid = authn.pid;
  authn.pid = null;
  if (!(await isAuthnProcess(pid, authn.dir))) return false;
  await terminate([pid as number], stopGraceMs);
  return true;
}

/** The credentials of an earlier start, else new ones written with mode 0600. */
async function playgroundCredentials(authnDir: string): Promise<Credentials> {
  const path = join(authnDir, credentialsName);
  try {
    const record = asRecord(JSON.parse(await readFile(path, 'utf8')) as unknown);
    const secret = record?.['secret'];
    const adminPassword = record?.['adminPassword'];
    if (typeof secret === 'string' && typeof adminPassword === 'string')
      return { secret, adminPassword };
    throw new CommandError(`${path} is not a playground credentials file`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const credentials = {
    secret: randomBytes(32).toString('hex'),
    adminPassword: randomBytes(12).toString('base64url'),
  };
  await writeFile(path, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  return credentials;
}
