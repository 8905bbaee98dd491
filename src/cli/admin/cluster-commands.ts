// `cairn cluster add|remove|maintenance start|stop|decommission|rebalance|remote-attach|
// remote-detach` and
// `cairn storage mountpath attach|detach|enable|disable`: membership and disks at run time. Each
// prints the job it started (a rebalance `g<N>`, or a resilver); `--wait` follows it to the end.
import type { Command } from 'commander';
import { positiveInteger } from '../arguments.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { waitForJob } from './job-commands.js';
import type { MountpathAction } from '../../sdk/index.js';

interface WaitOption {
  wait?: boolean;
  timeout: number;
}

/**
 * Prints the job a command started (stdout: nothing when none was needed, which stderr tells)
 * and, with --wait, waits for it (progress on a terminal, its end on stderr).
 */
async function reportJob(
  context: CommandContext,
  jobId: string,
  what: string,
  options: WaitOption,
): Promise<void> {
  if (jobId === '') {
    context.note(`${what}: no objects to move`);
    return;
  }
  context.print(jobId);
  if (options.wait === true) await waitForJob(context, jobId, options.timeout);
}

function withWait(command: Command): Command {
  return command
    .option('--wait', 'wait for the rebalance (or resilver) to finish')
    .option('--timeout <seconds>', 'with --wait: give up after this long', positiveInteger, 600);
}

/** Registers the `cluster` and `storage` command groups. */
export function registerClusterCommands(program: Command, io: CliIo): void {
  const cluster = program
    .command('cluster')
    .description('cluster membership: add, remove, maintenance, decommission, rebalance');

  cluster
    .command('add')
    .description('add a running node to the cluster (admin join)')
    .argument('<node-url>', "the node's public URL, e.g. http://10.0.0.7:9080")
    .action(
      commandAction(io, async (context, url: string) => {
        const node = await context.client.cluster.joinNode(url);
        context.print(`added ${node.daemon_type} ${node.daemon_id}`);
      }),
    );

  withWait(
    cluster
      .command('remove')
      .description(
        'remove a node: its objects move away first, then it leaves the map and keeps running (--force: remove a dead node at once, its objects are not moved)',
      )
      .argument('<node-id>', 'node ID')
      .option('--force', 'remove at once without moving objects (for a node that is gone)'),
  ).action(
    commandAction(io, async (context, id: string, options: WaitOption & { force?: boolean }) => {
      if (options.force === true) {
        await context.client.cluster.removeNode(id);
        context.print(`removed ${id}`);
        return;
      }
      const jobId = await context.client.cluster.decommission(id, { noShutdown: true });
      await reportJob(context, jobId, `remove ${id}`, options);
    }),
  );

  cluster
    .command('remote-attach')
    .description('attach an AIStore-compatible cluster: its buckets become ais://@<alias>/<bucket>')
    .argument('<alias>', 'a name for it (letters, digits, -, _, .)')
    .argument('<url>', "one of its gateways' URL, e.g. http://10.0.0.9:8080")
    .action(
      commandAction(io, async (context, alias: string, url: string) => {
        await context.client.cluster.attachRemote(alias, url);
        context.print(`attached ${alias} (${url})`);
      }),
    );

  cluster
    .command('remote-detach')
    .description('detach a remote cluster (its cached objects stay, its remote is not reached)')
    .argument('<alias>', 'the alias it was attached as')
    .action(
      commandAction(io, async (context, alias: string) => {
        await context.client.cluster.detachRemote(alias);
        context.print(`detached ${alias}`);
      }),
    );

  const maintenance = cluster
    .command('maintenance')
    .description('put a node in maintenance (it keeps its place, owns no objects) and back');
  withWait(
    maintenance
      .command('start')
      .argument('<node-id>', 'node ID')
      .option('--skip-rebalance', 'do not move its objects away (they are unavailable meanwhile)'),
  ).action(
    commandAction(
      io,
      async (context, id: string, options: WaitOption & { skipRebalance?: boolean }) => {
        const jobId = await context.client.cluster.startMaintenance(id, {
          skipRebalance: options.skipRebalance === true,
        });
        await reportJob(context, jobId, `maintenance of ${id}`, options);
      },
    ),
  );
  withWait(maintenance.command('stop').argument('<node-id>', 'node ID')).action(
    commandAction(io, async (context, id: string, options: WaitOption) => {
      const jobId = await context.client.cluster.stopMaintenance(id);
      await reportJob(context, jobId, `end of maintenance of ${id}`, options);
    }),
  );

  withWait(
    cluster
      .command('decommission')
      .description("move a node's objects away, then remove it from the cluster and stop it")
      .argument('<node-id>', 'node ID')
      .option('--rm-user-data', "also delete the node's objects")
      .option('--keep-initial-config', "keep the node's cluster metadata copies")
      .option('--no-shutdown', 'leave the process running, out of the cluster')
      .option('--skip-rebalance', 'do not move its objects away first'),
  ).action(
    commandAction(
      io,
      async (
        context,
        id: string,
        options: WaitOption & {
          rmUserData?: boolean;
          keepInitialConfig?: boolean;
          shutdown: boolean;
          skipRebalance?: boolean;
        },
      ) => {
        const jobId = await context.client.cluster.decommission(id, {
          removeUserData: options.rmUserData === true,
          keepInitialConfig: options.keepInitialConfig === true,
          noShutdown: !options.shutdown,
          skipRebalance: options.skipRebalance === true,
        });
        await reportJob(context, jobId, `decommission of ${id}`, options);
      },
    ),
  );

  withWait(cluster.command('rebalance').description('start a global rebalance now')).action(
    commandAction(io, async (context, options: WaitOption) => {
      await reportJob(context, await context.client.jobs.start('rebalance'), 'rebalance', options);
    }),
  );

  // `storage` may already hold other commands (data protection): add to it.
  const storage =
    program.commands.find((command) => command.name() === 'storage') ??
    program.command('storage').description("targets' storage");
  const mountpath = storage
    .command('mountpath')
    .description("change a target's mountpaths at run time (objects move: resilver)");
  for (const action of ['attach', 'detach', 'enable', 'disable'] as MountpathAction[]) {
    withWait(
      mountpath
        .command(action)
        .description(`${action} a mountpath`)
        .argument('<target-id>', 'target ID')
        .argument('<path>', 'mountpath (absolute path on the target host)'),
    ).action(
      commandAction(io, async (context, id: string, path: string, options: WaitOption) => {
        const jobId = await context.client.cluster.mountpath(id, action, path);
        await reportJob(context, jobId, `${action} ${path} on ${id}`, options);
      }),
    );
  }
}
