// `cairn tls show [NODE]` and `cairn tls reload [NODE]`: the certificate each node serves, and
// re-reading the certificate files on every node (or one) after a renewal, without a restart
// (AIStore's `ais tls show|load`).
import type { Command } from 'commander';
import type { TlsCertificateJson } from '../../wire/index.js';
import type { CliIo } from '../cli-io.js';
import { commandAction, type CommandContext } from '../context.js';
import { formatTable } from '../table.js';

interface JsonOption {
  json?: boolean;
}

export function registerTlsCommands(program: Command, io: CliIo): void {
  const tls = program
    .command('tls')
    .description("HTTPS clusters: the nodes' certificates, and reloading them after a renewal");

  tls
    .command('show')
    .description('the certificate every node (or NODE) serves: subject, issuer, validity')
    .argument('[node]', 'a node ID (default: every node)')
    .option('--json', 'print JSON by node ID')
    .action(
      commandAction(io, async (context, node: string | undefined, options: JsonOption) => {
        const ids = node === undefined ? await nodeIds(context) : [node];
        const entries = await Promise.all(
          ids.map(async (id) => [id, await context.client.cluster.certificate(id)] as const),
        );
        printCertificates(context, Object.fromEntries(entries), options);
      }),
    );

  tls
    .command('reload')
    .description('every node (or NODE) re-reads its certificate and key files now')
    .argument('[node]', 'a node ID (default: every node)')
    .option('--json', 'print JSON by node ID')
    .action(
      commandAction(io, async (context, node: string | undefined, options: JsonOption) => {
        printCertificates(context, await context.client.cluster.reloadCertificates(node), options);
      }),
    );
}

async function nodeIds(context: CommandContext): Promise<string[]> {
  const map = await context.client.clusterMap({ refresh: true });
  return [...Object.keys(map.pmap), ...Object.keys(map.tmap)].sort();
}

function printCertificates(
  context: CommandContext,
  byNode: Record<string, TlsCertificateJson>,
  options: JsonOption,
): void {
  if (options.json === true) {
    context.printJson(byNode);
    return;
  }
  const rows = Object.entries(byNode)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, cert]) => [id, cert.subject.replaceAll('\n', ', '), cert.valid_to, cert.file]);
  context.printLines(
    formatTable(
      [{ header: 'NODE' }, { header: 'SUBJECT' }, { header: 'VALID UNTIL' }, { header: 'FILE' }],
      rows,
    ),
  );
}
