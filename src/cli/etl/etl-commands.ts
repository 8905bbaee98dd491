// `cairn etl init|ls|show|logs|stop|start|rm|object|bucket`: transformers every target runs as local
// processes (AIStore's `ais etl`). `cairn get --etl` is the same inline transform as `etl object`.
import { Option, type Command } from 'commander';
import type { EtlInitSpec } from '../../sdk/index.js';
import { formatBytes } from '../../util/bytes.js';
import { parseObject } from '../arguments.js';
import { UsageError } from '../cli-errors.js';
import type { CliIo } from '../cli-io.js';
import { commandAction } from '../context.js';
import { download } from '../download.js';
import { registerTransformCommand } from '../data/copy-commands.js';
import { formatTable } from '../table.js';

interface InitOptions {
  name: string;
  command?: string;
  image?: string;
  comm: string;
  initTimeout?: string;
  objTimeout?: string;
  env: string[];
}

/** Registers the `etl` command group. */
export function registerEtlCommands(program: Command, io: CliIo): void {
  const etl = program
    .command('etl')
    .description('ETL: transformers every target runs next to its data');

  etl
    .command('init')
    .description('start an ETL on every target (prints its job ID)')
    .requiredOption('--name <name>', 'ETL name: 6-32 of a-z, 0-9 and -')
    .option('--command <command>', 'the transformer command line (run with sh -c)')
    .option('--image <image>', 'a runtime image the cluster config maps to a local launcher')
    .addOption(
      new Option('--comm <type>', 'communication')
        .choices(['hpush', 'hpull', 'io'])
        .default('hpush'),
    )
    .option('--init-timeout <duration>', 'longest wait for the transformer to be ready (e.g. 45s)')
    .option('--obj-timeout <duration>', 'longest wait for one object (e.g. 10s)')
    .option('--env <name=value...>', 'environment for the transformer', collect, [])
    .action(
      commandAction(io, async (context, options: InitOptions) => {
        if (options.command === undefined && options.image === undefined)
          throw new UsageError('etl init needs --command or --image');
        const spec: EtlInitSpec = {
          name: options.name,
          communication: `${options.comm}://`,
          runtime: {
            ...(options.command === undefined ? {} : { command: ['sh', '-c', options.command] }),
            ...(options.image === undefined ? {} : { image: options.image }),
          },
          ...(options.env.length === 0 ? {} : { env: options.env.map(envEntry) }),
          ...(options.initTimeout === undefined ? {} : { init_timeout: options.initTimeout }),
          ...(options.objTimeout === undefined ? {} : { obj_timeout: options.objTimeout }),
        };
        context.print(await context.client.etl.init(spec));
      }),
    );

  etl
    .command('ls')
    .description('list ETLs with their stage and counts')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, options: { json?: boolean }) => {
        const etls = await context.client.etl.list();
        if (options.json === true) return context.printJson(etls);
        if (etls.length === 0) return context.print('no ETLs');
        context.printLines(
          formatTable(
            ['NAME', 'STAGE', 'JOB', 'OBJECTS', 'IN', 'OUT'].map((header) => ({ header })),
            etls.map((item) => [
              item.id,
              item.stage,
              item.xaction_id,
              String(item.obj_count),
              formatBytes(item.in_bytes),
              formatBytes(item.out_bytes),
            ]),
          ),
        );
      }),
    );

  etl
    .command('show')
    .description("an ETL's init message, failed objects, and each target's health and usage")
    .argument('<name>', 'ETL name')
    .option('--json', 'print JSON')
    .action(
      commandAction(io, async (context, name: string, options: { json?: boolean }) => {
        const details = await context.client.etl.details(name);
        const health = await context.client.etl.health(name);
        const metrics = await context.client.etl.metrics(name);
        if (options.json === true) return context.printJson({ ...details, health, metrics });
        context.printJson(details.init_msg);
        context.printLines(
          formatTable(
            ['TARGET', 'HEALTH', 'CPU (s)', 'MEMORY'].map((header) => ({ header })),
            health.map((item) => {
              const usage = metrics.find((metric) => metric.target_id === item.target_id);
              return [
                item.target_id,
                item.health_status,
                usage === undefined ? '-' : usage.cpu.toFixed(2),
                usage === undefined ? '-' : formatBytes(usage.mem),
              ];
            }),
          ),
        );
        if (details.obj_errors.length === 0) return context.print('no failed objects');
        context.printLines(
          formatTable(
            ['OBJECT', 'STATUS', 'ERROR'].map((header) => ({ header })),
            details.obj_errors.map((item) => [item.obj_name, String(item.ecode), item.msg]),
          ),
        );
      }),
    );

  etl
    .command('logs')
    .description("the transformers' output (stdout and stderr), per target")
    .argument('<name>', 'ETL name')
    .argument('[target]', 'only this target ID')
    .action(
      commandAction(io, async (context, name: string, target: string | undefined) => {
        for (const log of await context.client.etl.logs(name, target)) {
          context.print(`=== target ${log.targetId} ===`);
          context.io.stdout.write(log.text);
        }
      }),
    );

  for (const [verb, description] of [
    ['stop', 'stop the transformers (stage Aborted)'],
    ['start', 'start an aborted ETL again (prints its new job ID)'],
    ['rm', 'stop and delete an ETL'],
  ] as const) {
    etl
      .command(verb)
      .description(description)
      .argument('<name>', 'ETL name')
      .action(
        commandAction(io, async (context, name: string) => {
          if (verb === 'start') return context.print(await context.client.etl.start(name));
          if (verb === 'stop') await context.client.etl.stop(name);
          else await context.client.etl.delete(name);
          context.print(`${verb === 'rm' ? 'deleted' : 'stopped'} ETL ${name}`);
        }),
      );
  }

  etl
    .command('object')
    .description('an object transformed by the ETL, to a file or to stdout with -')
    .argument('<name>', 'ETL name')
    .argument('<object>', 'ais://bucket/object')
    .argument('[destination]', 'file (default: the object base name here), - for stdout')
    .option('--args <args>', 'arguments for the ETL (etl_args)')
    .action(
      commandAction(
        io,
        async (
          context,
          name: string,
          uri: string,
          destination: string | undefined,
          options: { args?: string },
        ) => {
          const { bucket, objectName } = parseObject(uri);
          const etlOption = { name, ...(options.args === undefined ? {} : { args: options.args }) };
          const { body } = await context.client.getObject(bucket, objectName, { etl: etlOption });
          const { path, bytes } = await download(context, body, destination, objectName);
          if (path !== undefined)
            context.print(`${uri} via ${name} => ${path} (${formatBytes(bytes)})`);
        },
      ),
    );

  registerTransformCommand(etl, io);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function envEntry(text: string): { name: string; value: string } {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new UsageError(`--env ${text}: expected NAME=value`);
  return { name: text.slice(0, equals), value: text.slice(equals + 1) };
}
