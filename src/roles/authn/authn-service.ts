// `cairn authn`: the AuthN service, its own process (AIStore's `authn`), with its records in its
// own directory and the same listening conventions as a node: plain HTTP, or HTTPS with a
// certificate reloaded when its files change; with HTTPS it trusts the clusters it pushes to with
// the same CA bundle (`--tls-ca`) the nodes use.
import { readFile } from 'node:fs/promises';
import { mkdir } from 'node:fs/promises';
import { Agent } from 'undici';
import { startHttpServer, type RunningServer } from '../../api/common/index.js';
import { tokenKeys } from '../../auth/index.js';
import { httpUrl, type NodeTlsConfig } from '../../config/index.js';
import { createLogger, type Logger } from '../../util/log.js';
import { NodeCertificates } from '../../util/tls/node-certificates.js';
import { TlsConnector } from '../../util/tls/tls-client.js';
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
  /** HTTPS (the nodes' TLS settings; client certificates are not asked for). */
  tls?: NodeTlsConfig | undefined;
}

/** How often the service looks at its certificate files for a renewal (as nodes do). */
const certificateCheckMs = 10_000;

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
  const certificates =
    config.tls === undefined ? undefined : await NodeCertificates.load(config.tls.files, Date.now);
  const clusters = certificates === undefined ? undefined : clusterAgent(config.tls, certificates);
  watchCertificates(certificates, log);
  const push = new AuthnPush(db, keys, log, config.pushIntervalMs, clusters);
  const authn = { db, keys, push, defaultLifetimeSeconds: config.tokenLifetimeSeconds };
  let server: RunningServer;
  try {
    server = await startHttpServer({
      host: config.host,
      port: config.port,
      nodeId: 'authn',
      intra: false,
      log,
      handle: (context) => handleAuthn(authn, context),
      tls: certificates === undefined ? undefined : { certificates, verifyClients: false },
    });
  } catch (error) {
    certificates?.close();
    await clusters?.close();
    throw error;
  }
  push.start();
  return {
    url: httpUrl(config.host, server.port, certificates !== undefined),
    close: async () => {
      push.stop();
      certificates?.close();
      await server.close();
      await clusters?.close();
    },
  };
}

/** Connections to the clusters' HTTPS gateways, trusting the CA bundle (reloaded with it). */
function clusterAgent(tls: NodeTlsConfig | undefined, certificates: NodeCertificates): Agent {
  const verify = tls?.skipVerify !== true;
  const connector = new TlsConnector({ ca: certificates.current.ca, verify });
  certificates.onChange((material) => connector.update({ ca: material.ca, verify }));
  return new Agent({ connect: connector.connect });
}

function watchCertificates(certificates: NodeCertificates | undefined, log: Logger): void {
  certificates?.watch(certificateCheckMs, (error) =>
    log.error('TLS certificate not reloaded; the previous one stays in use', { error }),
  );
  certificates?.onChange((material) =>
    log.info('TLS certificate loaded', { subject: material.x509.subject }),
  );
}
