// `cairn show log <node>` (a node's log through the gateway, or all its files as a .tar.gz), and
// the counters table of `cairn show performance` (its command is in views/view-commands.ts).
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { LogSeverity, NodeStatusJson } from '../sdk/index.js';
import { formatBytes } from '../util/bytes.js';
import { UsageError } from './cli-errors.js';
import type { CliIo } from './cli-io.js';
import { commandAction } from './context.js';
import { formatTable } from './table.js';

/** Adds `log` to the `show` command group. */
export function registerNodeCommands(show: Command, io: CliIo): void {
  show
    .command('log')
    .description("print a node's log (info: every line; error: warnings and errors)")
    .argument('<node>', 'node ID (see `cairn show cluster`)')
    .option('--severity <severity>', 'info or error', 'info')
    .option('--offset <bytes>', 'start this many bytes into the current file')
    .option('--archive <file>', 'save every file of that severity, rotated ones too (.tar.gz)')
    .action(
      commandAction(
        io,
        async (
          context,
          node: string,
          options: { severity: string; offset?: string; archive?: string },
        ) => {
          const severity = parseSeverity(options.severity);
          if (options.archive !== undefined) {
            const archive = await context.client.cluster.nodeLogArchive(node, { severity });
            await writeFile(options.archive, archive);
            context.note(`saved ${formatBytes(archive.byteLength)} to ${options.archive}`);
            return;
          }
          const offset = options.offset === undefined ? undefined : parseOffset(options.offset);
          const text = await context.client.cluster.nodeLog(node, {
            severity,
            ...(offset === undefined ? {} : { offset }),
          });
          context.io.stdout.write(text);
        },
      ),
    );
}

/** The human table of `show performance`: one row per target, sorted by ID. */
export function performanceTable(statuses: Record<string, NodeStatusJson>): string[] {
  const columns = ['TARGET', 'GET', 'GET BYTES', 'PUT', 'PUT BYTES', 'HEAD', 'DELETE', 'LIST'];
  const rows = Object.entries(statuses)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, status]) => {
      const value = (name: string): number => Number(status.tracker[name]?.v ?? 0);
      const errors = Object.entries(status.tracker)
        .filter(([name]) => name.startsWith('err.'))
        .reduce((sum, [, item]) => sum + Number(item.v), 0);
      return [
        id,
        String(value('get.n')),
        formatBytes(value('get.size')),
        String(value('put.n')),
        formatBytes(value('put.size')),
        String(value('head.n')),
        String(value('del.n')),
        String(value('lst.n')),
        String(errors),
        formatUptime(value('up.ns.time')),
      ];
    });
  return formatTable(
    [...columns, 'ERRORS', 'UPTIME'].map((header) => ({
      header,
      alignRight: header !== 'TARGET',
    })),
    rows,
  );
}

export function parseSeverity(text: string): LogSeverity {
  if (text === 'info' || text === 'error') return text;
  throw new UsageError(`invalid --severity "${text}" (expected info or error)`);
}

export function parseOffset(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value))
    throw new UsageError(`invalid --offset "${text}" (expected a number of bytes)`);
  return value;
}

function formatUptime(nanoseconds: number): string {
  const seconds = Math.floor(nanoseconds / 1e9);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h${minutes % 60}m`;
}
