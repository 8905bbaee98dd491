// `cairn show cluster`: the cluster map (version, UUID, primary) and a row per node with its state
// and, for targets, mountpaths and capacity from the node's own status. (`show log` and `show
// performance` are in node-commands.ts.) `cairn show remote-cluster`: the attached AIS clusters.
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';
import { registerNodeCommands } from './node-commands.js';
import { formatTable } from './table.js';
import { clusterReports, clusterTable } from './views/cluster-view.js';
import { registerViewCommands } from './views/view-commands.js';

/**
 * Registers `show cluster`, `show remote-cluster`, `show log`, and the views (`show performance`,
 * `show disk`, `show job`, `log get`).
 */
export function registerShowCommand(program: Command, io: CliIo): void {
  const show = program.command('show').description('show cluster information');
  registerNodeCommands(show, io);
  registerViewCommands(program, show, io);
  show
    .command('cluster')
    .description('nodes, their state and capacity, and the cluster map version')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { json?: boolean }) => {
        const map = await context.client.clusterMap({ refresh: true });
        const nodes = await clusterReports(context.client, map);
        if (options.json === true) return context.printJson({ clusterMap: map, nodes });
        const primary = map.proxy_si?.daemon_id ?? '-';
        context.print(`Cluster ${map.uuid}, map version ${map.version}, primary ${primary}`);
        context.printLines(clusterTable(nodes));
      }),
    );
  show
    .command('config')
    .description('the cluster configuration, one `section.key value` a line (secrets redacted)')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { json?: boolean }) => {
        const config = await context.client.cluster.config();
        if (options.json === true) return context.printJson(config);
        context.printLines(configLines(config));
      }),
    );
  show
    .command('remote-cluster')
    .description('attached remote AIS clusters: alias, UUID, URL, and their size when they answer')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { json?: boolean }) => {
        const remotes = await context.client.cluster.remoteClusters();
        if (options.json === true) return context.printJson(remotes);
        const rows = remotes.a.map((remote) => [
          remote.alias,
          remote.uuid,
          remote.url,
          remote.smap === undefined
            ? 'unreachable'
            : `${Object.keys(remote.smap.pmap).length} gateways, ${Object.keys(remote.smap.tmap).length} targets`,
        ]);
        const columns = ['ALIAS', 'UUID', 'URL', 'NODES'].map((header) => ({ header }));
        context.printLines(formatTable(columns, rows));
      }),
    );
}

/** `section.key value` lines, sorted; maps and lists as JSON. */
export function configLines(value: Record<string, unknown>, prefix = ''): string[] {
  const lines: string[] = [];
  for (const [key, item] of Object.entries(value)) {
    const path = `${prefix}${key}`;
    const nested =
      typeof item === 'object' &&
      item !== null &&
      !Array.isArray(item) &&
      Object.keys(item).length > 0;
    if (nested && !mapValued.has(path))
      lines.push(...configLines(item as Record<string, unknown>, `${path}.`));
    else lines.push(`${path} ${typeof item === 'string' ? item : JSON.stringify(item)}`);
  }
  return prefix === '' ? lines.sort() : lines;
}

/** Keys set as one JSON value (`set-config`), shown the same way. */
const mapValued = new Set(['backend.aws_profiles', 'backend.conf', 'backend.remote_ais_uuids']);
