// `cairn playground start|stop|status|add-*`: a local multi-process cluster for trying Cairn out,
// kept running by a supervisor process (`playground supervise`, started by `start`).
import type { Command } from 'commander';
import { portNumber, positiveInteger } from '../arguments.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { addPlaygroundNode } from './add-node.js';
import { startPlayground } from './start.js';
import { showPlaygroundStatus } from './status.js';
import { stopPlayground } from './stop.js';
import { runSupervisor } from './supervise.js';

export const defaultPlaygroundDir = './.playground';

const supervisionHelp = `
The nodes run under a supervisor process (\`cairn playground supervise\`, logging to DIR/supervisor.log).
A node that crashes (exits non-zero or is killed by a signal such as SIGKILL) is restarted on the
same ports, directory and mountpaths after 1 s, doubling to 30 s for crashes in a row (reset once it
ran for a minute); its stderr, and so a crash's stack trace, and a line about each restart go to
DIR/<node>/node.log. A node that exits with 0 (SIGTERM, decommission, shutdown) stays down.
\`playground stop\` stops the supervisor first, so nothing restarts behind it.`;

interface StartOptions {
  proxies: number;
  targets: number;
  mountpaths: number;
  dir: string;
  port: number;
  nodeOptions?: string;
  https?: boolean;
  auth?: boolean;
}

/** Registers the `playground` group; nodes run `process.execPath entryScript node ...`. */
export function registerPlaygroundCommands(
  program: Command,
  io: CliIo,
  entryScript: string,
  s3Credentials: { accessKey: string; secretKey: string },
): void {
  const playground = program
    .command('playground')
    .description('run a local cluster for trying things out');

  playground
    .command('start')
    .description('start proxies and targets as local processes and wait until the cluster is up')
    .option('--proxies <count>', 'gateways', positiveInteger, 1)
    .option('--targets <count>', 'storage targets', positiveInteger, 3)
    .option('--mountpaths <count>', 'mountpaths per target', positiveInteger, 2)
    .option('--dir <dir>', 'playground directory (node data and logs)', defaultPlaygroundDir)
    .option('--port <port>', 'base port: the primary gateway listens here', portNumber, 8080)
    .option(
      '--node-options <flags>',
      'Node.js flags for every node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" (docs/profiling.md)',
    )
    .option(
      '--https',
      'nodes serve HTTPS with a certificate made by openssl in DIR/tls (clients: --ca-cert DIR/tls/ca.crt)',
    )
    .option(
      '--auth',
      'turn auth on: start an AuthN service on PORT+200 (DIR/authn) and print the admin login',
    )
    .addHelpText('after', supervisionHelp)
    .action(
      commandAction(io, async (context, options: StartOptions) => {
        const { port, nodeOptions, ...rest } = options;
        const flags = nodeOptions?.split(/\s+/).filter((flag) => flag !== '') ?? [];
        await startPlayground(
          context,
          { ...rest, basePort: port, nodeOptions: flags },
          entryScript,
          s3Credentials,
        );
      }),
    );

  for (const role of ['target', 'proxy'] as const) {
    playground
      .command(`add-${role}`)
      .description(
        role === 'target'
          ? 'start one more target in the running playground (objects rebalance onto it)'
          : 'start one more gateway in the running playground',
      )
      .option('--dir <dir>', 'playground directory', defaultPlaygroundDir)
      .option(
        '--mountpaths <count>',
        'mountpaths of a new target (default: as the others)',
        positiveInteger,
      )
      .option('--wait', 'wait until the rebalance the new target starts has finished')
      .option('--timeout <seconds>', 'with --wait: give up after this long', positiveInteger, 600)
      .option('--json', 'print JSON: name, id, role, publicUrl, rebalance')
      .action(
        commandAction(
          io,
          async (
            context,
            options: {
              dir: string;
              mountpaths?: number;
              wait?: boolean;
              timeout: number;
              json?: boolean;
            },
          ) => {
            await addPlaygroundNode(context, role, {
              dir: options.dir,
              ...(options.mountpaths === undefined ? {} : { mountpaths: options.mountpaths }),
              wait: options.wait === true,
              timeoutSeconds: options.timeout,
              json: options.json === true,
            });
          },
        ),
      );
  }

  playground
    .command('supervise', { hidden: true })
    .description('keep the playground nodes running (started by `playground start`)')
    .option('--dir <dir>', 'playground directory', defaultPlaygroundDir)
    .action(
      commandAction(io, async (context, options: { dir: string }) => {
        const log = (line: string): void => {
          context.io.stderr.write(`${new Date().toISOString()} ${line}\n`);
        };
        await runSupervisor(options.dir, log);
        // Only the nodes' handles could remain, and they are gone: nothing is left to wait for.
        io.exit(0);
      }),
    );

  playground
    .command('stop')
    .description('stop the supervisor, then the playground nodes (data is kept unless --wipe)')
    .option('--dir <dir>', 'playground directory', defaultPlaygroundDir)
    .option('--wipe', 'also remove the playground directory')
    .action(
      commandAction(io, async (context, options: { dir: string; wipe?: boolean }) => {
        await stopPlayground(context, options.dir, options.wipe === true);
      }),
    );

  playground
    .command('status')
    .description('show the playground nodes and whether they run')
    .option('--dir <dir>', 'playground directory', defaultPlaygroundDir)
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { dir: string; json?: boolean }) => {
        await showPlaygroundStatus(context, options.dir, options.json === true);
      }),
    );
}
