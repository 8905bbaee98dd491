// `cairn authn`: runs the AuthN service (users, roles, clusters, tokens) in the foreground.
import { Command } from 'commander';
import { isStoreError } from '../errors/index.js';
import type { RunningAuthn } from '../roles/authn/authn-service.js';

interface AuthnFlags {
  dir: string;
  host: string;
  port: string;
  secret?: string;
  rsaKey?: string;
  adminUser?: string;
  tokenLifetime: string;
  pushInterval: string;
  https?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsSkipVerify?: boolean;
}

export function authnCommand(): Command {
  return new Command('authn')
    .description('run the AuthN service (users, roles, clusters, tokens) in the foreground')
    .requiredOption('--dir <dir>', 'where its records live (authn.db.json, mode 0600)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port (0 = ephemeral)', '52001')
    .option('--secret <secret>', 'HMAC secret shared with clusters (or CAIRN_AUTHN_SECRET)')
    .option('--rsa-key <file>', 'PEM private key: sign tokens RS256 instead of HMAC')
    .option('--admin-user <name>', 'initial admin user (or CAIRN_AUTHN_ADMIN_USER; default admin)')
    .option('--token-lifetime <seconds>', 'token lifetime when a login asks for none', '86400')
    .option(
      '--push-interval <ms>',
      'how often clusters get the revoked tokens and S3 keys again',
      '10000',
    )
    .option('--https', 'serve HTTPS (needs the two below); clusters are reached over HTTPS too')
    .option('--tls-cert <file>', 'PEM certificate it serves (reloaded when the file changes)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', "PEM CA bundle that signed the clusters' certificates (trusted)")
    .option(
      '--tls-skip-verify',
      "do not verify the clusters' certificates (self-signed, tests only)",
    )
    .action(async (flags: AuthnFlags) => {
      await runAuthn(flags);
    });
}

async function runAuthn(flags: AuthnFlags): Promise<void> {
  const secret = flags.secret ?? process.env.CAIRN_AUTHN_SECRET ?? '';
  let service: RunningAuthn;
  try {
    if (secret.length < 16 && flags.rsaKey === undefined)
      throw new Error('set --secret or CAIRN_AUTHN_SECRET (at least 16 characters)');
    // Loaded only here, as the node's modules are (node-command.ts).
    const { startAuthn } = await import('../roles/authn/authn-service.js');
    const { tlsConfig } = await import('../config/index.js');
    service = await startAuthn({
      dir: flags.dir,
      host: flags.host,
      port: positive(flags.port, 'port', true),
      secret,
      rsaKeyFile: flags.rsaKey,
      adminName: flags.adminUser ?? process.env.CAIRN_AUTHN_ADMIN_USER ?? 'admin',
      adminPassword: process.env.CAIRN_AUTHN_ADMIN_PASSWORD,
      tokenLifetimeSeconds: positive(flags.tokenLifetime, 'token lifetime'),
      pushIntervalMs: positive(flags.pushInterval, 'push interval'),
      tls: tlsConfig(
        {
          https: flags.https,
          tlsCert: flags.tlsCert,
          tlsKey: flags.tlsKey,
          tlsCa: flags.tlsCa,
          tlsSkipVerify: flags.tlsSkipVerify,
        },
        'AuthN settings',
      ),
    });
  } catch (error) {
    const message = isStoreError(error) || error instanceof Error ? error.message : String(error);
    process.stderr.write(`cairn authn: failed to start: ${message}\n`);
    process.exit(1);
  }
  process.stdout.write(
    `${JSON.stringify({ event: 'ready', role: 'authn', publicUrl: service.url })}\n`,
  );
  const stop = (): void => {
    service.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

function positive(text: string, what: string, zeroAllowed = false): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (zeroAllowed ? 0 : 1))
    throw new Error(`invalid ${what} "${text}"`);
  return value;
}
