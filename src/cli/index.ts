// The `cairn` command line: `buildCli` assembles every command group on a commander program.
// `src/bin/cairn.ts` adds the `node` (server) command and parses `process.argv`.
import { Command, Option } from 'commander';
import { positiveInteger } from './arguments.js';
import { registerArchiveCommands } from './shards/archive-commands.js';
import { registerAuthCommands } from './auth/auth-commands.js';
import { registerBatchCommand } from './shards/batch-command.js';
import { registerDsortCommands } from './shards/dsort-commands.js';
import { registerBenchCommand } from './bench/index.js';
import { registerBucketCommands } from './bucket-commands.js';
import { registerCopyCommand } from './data/copy-commands.js';
import { registerDownloadCommand } from './data/download-command.js';
import { registerMoveCommand } from './data/move-command.js';
import { registerPromoteCommand } from './data/promote-command.js';
import { registerClusterCommands } from './admin/cluster-commands.js';
import { registerK8sCommands } from './admin/k8s-pre-stop.js';
import { registerTlsCommands } from './admin/tls-commands.js';
import { registerCompletionCommand } from './completion/index.js';
import { configureProgram, processIo, type CliIo } from './cli-io.js';
import { defaultEndpoint } from './context.js';
import { registerEvictCommand } from './remote/evict-command.js';
import { registerPrefetchCommand } from './remote/prefetch-command.js';
import { registerBlobDownloadCommand } from './remote/blob-download-command.js';
import { registerEtlCommands } from './etl/etl-commands.js';
import { registerGetCommand } from './get-command.js';
import { registerJobCommands } from './admin/job-commands.js';
import { registerLsCommand } from './ls-command.js';
import { registerObjectCommands } from './object-commands.js';
import { registerPlaygroundCommands } from './playground/index.js';
import { registerPutCommand } from './put-command.js';
import { registerShowCommand } from './show-command.js';
import { registerStorageCommands } from './admin/storage-commands.js';

export type { CliIo } from './cli-io.js';
export { ExitCode } from './cli-io.js';
export { defaultEndpoint } from './context.js';

/** Options of {@link buildCli}. */
export interface BuildCliOptions {
  /** Absolute path of the compiled `cairn.js`; the playground spawns nodes with it. */
  entryScript: string;
  /** Streams and exit hooks (tests capture them); default: the process. */
  io?: CliIo;
  /**
   * The S3 key pair the playground's nodes will use (from CAIRN_ACCESS_KEY / CAIRN_SECRET_KEY,
   * which the nodes inherit), printed at start; default `cairnadmin` / `cairnadmin`.
   */
  s3Credentials?: { accessKey: string; secretKey: string };
}

/**
 * The `cairn` program with all client commands. Command failures print `Error: ...` on stderr and
 * set exit code 1; usage errors (unknown option, bad URI, missing argument) exit with 2.
 */
export function buildCli(options: BuildCliOptions): Command {
  const io = options.io ?? processIo();
  const program = configureProgram(new Command('cairn'), io)
    .description('Cairn: a distributed object store speaking the AIStore native API')
    .addOption(
      new Option('--endpoint <url>', 'cluster endpoint (a gateway)')
        .env('CAIRN_ENDPOINT')
        .default(defaultEndpoint),
    )
    .option('--no-direct', 'send object requests through the gateway instead of to targets')
    .option('--timeout <seconds>', 'per-request timeout', positiveInteger, 60)
    .addOption(
      new Option('--ca-cert <file>', 'PEM CA bundle to trust for an https:// endpoint').env(
        'CAIRN_CA_CERT',
      ),
    )
    .option('--insecure', 'accept any TLS certificate (self-signed test clusters only)');

  registerLsCommand(program, io);
  registerPutCommand(program, io);
  registerGetCommand(program, io);
  registerObjectCommands(program, io);
  registerEvictCommand(program, io);
  registerPrefetchCommand(program, io);
  registerBlobDownloadCommand(program, io);
  registerArchiveCommands(program, io);
  registerBatchCommand(program, io);
  registerDsortCommands(program, io);
  registerBucketCommands(program, io);
  registerCopyCommand(program, io);
  registerK8sCommands(program, io);
  registerMoveCommand(program, io);
  registerPromoteCommand(program, io);
  registerDownloadCommand(program, io);
  registerShowCommand(program, io);
  registerJobCommands(program, io);
  registerEtlCommands(program, io);
  registerBenchCommand(program, io);
  registerStorageCommands(program, io);
  registerAuthCommands(program, io);
  registerClusterCommands(program, io);
  registerTlsCommands(program, io);
  registerPlaygroundCommands(
    program,
    io,
    options.entryScript,
    options.s3Credentials ?? { accessKey: 'cairnadmin', secretKey: 'cairnadmin' },
  );
  registerCompletionCommand(program, io);
  return program;
}
