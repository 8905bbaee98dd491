// `cairn auth ...`: log in and out of the AuthN service, and manage its users, roles, clusters and
// S3 keys (admin commands use the saved token).
import { Option, type Command } from 'commander';
import { AuthnClient } from '../../sdk/index.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { removeToken, saveToken } from './token-file.js';

export const defaultAuthnUrl = 'http://127.0.0.1:52001';

function authn(context: CommandContext, withToken = true): AuthnClient {
  const url = context.globals.authnUrl ?? defaultAuthnUrl;
  const token = withToken ? context.token : undefined;
  // The service's certificate is trusted as the cluster's is (`--ca-cert`, `--insecure`).
  return new AuthnClient(url, token, context.globals.timeout * 1000, {
    caCert: context.caCert,
    insecure: context.globals.insecure === true,
  });
}

function password(options: { password?: string }): string {
  const value = options.password ?? process.env.CAIRN_AUTHN_PASSWORD;
  if (value === undefined || value === '')
    throw new Error('give --password or set CAIRN_AUTHN_PASSWORD');
  return value;
}

export function registerAuthCommands(program: Command, io: CliIo): void {
  const auth = program
    .command('auth')
    .description('log in to the AuthN service; manage users, roles, clusters and S3 keys')
    .addOption(
      new Option('--authn-url <url>', 'AuthN service URL')
        .env('CAIRN_AUTHN_URL')
        .default(defaultAuthnUrl),
    );

  auth
    .command('login <user>')
    .description('get a token and save it for later commands (and the SDK via CAIRN_AUTHN_TOKEN)')
    .option('--password <password>', 'the password (or CAIRN_AUTHN_PASSWORD)')
    .option('--expires <seconds>', "token lifetime (default: the service's)")
    .action(
      commandAction(
        io,
        async (context, user: string, options: { password?: string; expires?: string }) => {
          const expires = options.expires === undefined ? undefined : Number(options.expires);
          if (expires !== undefined && !(Number.isInteger(expires) && expires > 0))
            throw new Error(`invalid --expires "${options.expires}"`);
          const token = await authn(context, false).login(user, password(options), expires);
          context.note(`logged in as ${user}; token saved in ${await saveToken(token)}`);
        },
      ),
    );

  auth
    .command('logout')
    .description('revoke the saved token and remove it')
    .action(
      commandAction(io, async (context) => {
        const token = context.token;
        if (token !== undefined)
          await authn(context)
            .revokeToken(token)
            .catch(() => undefined);
        await removeToken();
        context.note('logged out');
      }),
    );

  const user = auth.command('user').description('users');
  user
    .command('add <name>')
    .option('--password <password>', 'the password (or CAIRN_AUTHN_PASSWORD)')
    .option('--role <role...>', 'roles (e.g. Admin, BucketOwner-<cluster>, Guest-<cluster>)')
    .option('--email <address>', "the user's email (S3 ACLs may grant to it)")
    .action(
      commandAction(
        io,
        async (
          context,
          name: string,
          options: { password?: string; role?: string[]; email?: string },
        ) => {
          await authn(context).addUser(name, password(options), {
            roles: options.role ?? [],
            ...(options.email === undefined ? {} : { email: options.email }),
          });
        },
      ),
    );
  user.command('ls').action(
    commandAction(io, async (context) => {
      for (const item of await authn(context).listUsers())
        context.print(`${item.id}\t${item.roles.join(',')}`);
    }),
  );
  user.command('rm <name>').action(
    commandAction(io, async (context, name: string) => {
      await authn(context).removeUser(name);
    }),
  );

  const role = auth.command('role').description('roles');
  role
    .command('add <name>')
    .option('--desc <text>', 'description', '')
    .option('--cluster <id=perm...>', 'permissions in a cluster: ro, rw, su or operation names')
    .option('--bucket <name=perm...>', 'permissions on an ais:// bucket')
    .action(
      commandAction(
        io,
        async (
          context,
          name: string,
          options: { desc: string; cluster?: string[]; bucket?: string[] },
        ) => {
          const pairs = (items: string[] | undefined): [string, string][] =>
            (items ?? []).map((item) => {
              const equals = item.indexOf('=');
              if (equals <= 0) throw new Error(`expecting NAME=PERM, got "${item}"`);
              return [item.slice(0, equals), item.slice(equals + 1)];
            });
          await authn(context).addRole({
            name,
            desc: options.desc,
            clusters: pairs(options.cluster).map(([id, perm]) => ({ id, perm })),
            buckets: pairs(options.bucket).map(([bucket, perm]) => ({
              bck: { name: bucket, provider: 'ais' },
              perm,
            })),
          });
        },
      ),
    );
  role.command('ls').action(
    commandAction(io, async (context) => {
      for (const item of await authn(context).listRoles())
        context.print(`${item.name}\t${item.desc}`);
    }),
  );
  role.command('rm <name>').action(
    commandAction(io, async (context, name: string) => {
      await authn(context).removeRole(name);
    }),
  );

  const cluster = auth
    .command('cluster')
    .description('clusters the AuthN service hands tokens for');
  cluster
    .command('add <uuid> <alias> <url...>')
    .description('register a cluster (its UUID from `cairn show cluster`) and its gateway URLs')
    .action(
      commandAction(io, async (context, uuid: string, alias: string, urls: string[]) => {
        await authn(context).registerCluster(uuid, alias, urls);
      }),
    );
  cluster.command('ls').action(
    commandAction(io, async (context) => {
      for (const item of await authn(context).listClusters())
        context.print(`${item.id}\t${item.alias ?? ''}\t${(item.urls ?? []).join(',')}`);
    }),
  );
  cluster.command('rm <uuid>').action(
    commandAction(io, async (context, uuid: string) => {
      await authn(context).removeCluster(uuid);
    }),
  );

  const key = auth.command('key').description('S3 access keys owned by users');
  key
    .command('add <user>')
    .description('create an S3 key pair for the user (the secret is shown once)')
    .action(
      commandAction(io, async (context, name: string) => {
        const created = await authn(context).addS3Key(name);
        context.print(`access key: ${created.access_key}`);
        context.print(`secret key: ${created.secret_key ?? ''}`);
      }),
    );
  key.command('ls [user]').action(
    commandAction(io, async (context, name?: string) => {
      for (const item of await authn(context).listS3Keys(name))
        context.print(`${item.access_key}\t${item.user}`);
    }),
  );
  key.command('rm <access-key>').action(
    commandAction(io, async (context, accessKey: string) => {
      await authn(context).removeS3Key(accessKey);
    }),
  );
}
