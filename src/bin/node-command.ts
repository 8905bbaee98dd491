// `cairn node`: starts a gateway or target process from a config file and flags (the composition root).
import { readFile } from 'node:fs/promises';
import { Command, Option } from 'commander';
import type { NodeConfig } from '../config/index.js';
import { isStoreError } from '../errors/index.js';
import type { GatewayFacts, PublicRoute, RunningNode } from '../roles/common/node-runtime.js';
import { offsetClock, type Clock } from '../util/clock.js';

interface NodeFlags {
  role?: string;
  config?: string;
  dir?: string;
  host?: string;
  port?: string;
  intraPort?: string;
  intraControlHost?: string;
  intraDataHost?: string;
  intraDataPort?: string;
  listenHost?: string;
  mountpath?: string[];
  primaryUrl?: string;
  logMaxFileBytes?: string;
  logMaxOldFiles?: string;
  promoteRoot?: string;
  clientIdleTimeoutMs?: string;
  https?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  tlsClientAuth?: boolean;
  tlsSkipVerify?: boolean;
  sseMasterKey?: string;
}

export function nodeCommand(): Command {
  return new Command('node')
    .description('run a Cairn node (gateway or storage target) in the foreground')
    .addOption(
      new Option('--role <role>', 'proxy (gateway) or target').choices(['proxy', 'target']),
    )
    .option(
      '--config <file>',
      'JSON node config (same keys as the flags, camelCase); flags override it',
    )
    .option('--dir <dir>', "the node's own directory: persistent ID and cluster metadata")
    .option('--host <host>', 'public address to listen on and advertise (default 127.0.0.1)')
    .option('--port <port>', 'public port (default 8080 proxy, 9080 target; 0 = ephemeral)')
    .option('--intra-port <port>', 'intra-control port (default 0 = ephemeral)')
    .option('--intra-control-host <host>', 'intra-control address (default: --host)')
    .option('--intra-data-host <host>', 'intra-data address (default: the intra-control one)')
    .option(
      '--intra-data-port <port>',
      'intra-data port (default: shares the intra-control server; 0 = ephemeral)',
    )
    .option(
      '--listen-host <host>',
      'address every server binds to, e.g. 0.0.0.0 (default: each network its own address)',
    )
    .option('--mountpath <path...>', "a target's mountpath; repeat or give a comma-separated list")
    .option(
      '--primary-url <url>',
      'public URL of the primary gateway to join (omit on the first gateway)',
    )
    .option('--log-max-file-bytes <bytes>', 'log files (<dir>/log) rotate at this size (8 MiB)')
    .option('--log-max-old-files <count>', 'rotated log files kept per severity (4)')
    .option('--promote-root <dir>', 'promote reads files only below this (/var/lib/cairn/promote)')
    .option(
      '--client-idle-timeout-ms <ms>',
      'drop an upload or answer whose client is silent this long (60000; 0 = never)',
    )
    .option('--https', 'serve HTTPS on every port and call peers over HTTPS (needs the two below)')
    .option('--tls-cert <file>', 'PEM certificate the node serves (reloaded when the file changes)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option(
      '--sse-master-key <file>',
      "a target's SSE-S3 master key, 32 bytes, same on every target (/etc/cairn/sse-master.key)",
    )
    .option(
      '--tls-ca <file>',
      "PEM CA bundle that signed the nodes' certificates (trusted for peers)",
    )
    .option(
      '--tls-client-auth',
      'intra-cluster ports require a client certificate signed by --tls-ca (nodes present theirs)',
    )
    .option('--tls-skip-verify', "do not verify peers' certificates (self-signed, tests only)")
    .action(async (flags: NodeFlags) => {
      await runNode(flags);
    });
}

/**
 * CAIRN_TEST_CLOCK_OFFSET_MS, for tests only: a target runs that many milliseconds ahead of the
 * system clock (its object times, lifecycle expiry, retention). Never set it in production: what the
 * node writes carries the shifted time.
 */
function testClockSeam(): { clock?: Clock } {
  const text = process.env.CAIRN_TEST_CLOCK_OFFSET_MS;
  if (text === undefined || text === '') return {};
  const offsetMs = Number(text);
  if (!Number.isSafeInteger(offsetMs))
    throw new Error(`CAIRN_TEST_CLOCK_OFFSET_MS must be an integer, not "${text}"`);
  return { clock: offsetClock(offsetMs) };
}

async function runNode(flags: NodeFlags): Promise<void> {
  // Loaded here, not at the top: every CLI command imports this file, and the schemas (zod) would
  // slow each one's start.
  const { parseNodeConfig, readNodeConfigFile } = await import('../config/index.js');
  const fromFile = flags.config === undefined ? {} : await readNodeConfigFile(flags.config);
  const raw: Record<string, unknown> = { ...fromFile };
  if (flags.role !== undefined) raw.role = flags.role;
  if (flags.dir !== undefined) raw.dir = flags.dir;
  if (flags.host !== undefined) raw.host = flags.host;
  if (flags.port !== undefined) raw.port = Number(flags.port);
  if (flags.intraPort !== undefined) raw.intraPort = Number(flags.intraPort);
  if (flags.intraControlHost !== undefined) raw.intraControlHost = flags.intraControlHost;
  if (flags.intraDataHost !== undefined) raw.intraDataHost = flags.intraDataHost;
  if (flags.intraDataPort !== undefined) raw.intraDataPort = Number(flags.intraDataPort);
  if (flags.listenHost !== undefined) raw.listenHost = flags.listenHost;
  if (flags.mountpath !== undefined)
    raw.mountpaths = flags.mountpath.flatMap((item) => item.split(',')).filter(Boolean);
  if (flags.primaryUrl !== undefined) raw.primaryUrl = flags.primaryUrl;
  if (flags.logMaxFileBytes !== undefined) raw.logMaxFileBytes = Number(flags.logMaxFileBytes);
  if (flags.logMaxOldFiles !== undefined) raw.logMaxOldFiles = Number(flags.logMaxOldFiles);
  if (flags.promoteRoot !== undefined) raw.promoteRoot = flags.promoteRoot;
  if (flags.clientIdleTimeoutMs !== undefined)
    raw.clientIdleTimeoutMs = Number(flags.clientIdleTimeoutMs);
  if (flags.https !== undefined) raw.https = flags.https;
  if (flags.tlsCert !== undefined) raw.tlsCert = flags.tlsCert;
  if (flags.tlsKey !== undefined) raw.tlsKey = flags.tlsKey;
  if (flags.tlsCa !== undefined) raw.tlsCa = flags.tlsCa;
  if (flags.tlsClientAuth !== undefined) raw.tlsClientAuth = flags.tlsClientAuth;
  if (flags.tlsSkipVerify !== undefined) raw.tlsSkipVerify = flags.tlsSkipVerify;
  // The flag, else the environment (a playground passes it to every node), else the config file.
  const sseMasterKey = flags.sseMasterKey ?? process.env.CAIRN_SSE_MASTER_KEY_FILE;
  if (sseMasterKey !== undefined && sseMasterKey !== '') raw.sseMasterKeyFile = sseMasterKey;
  // The environment overrides the config file for the S3 key pair (as MINIO_ROOT_USER does).
  const accessKey = process.env.CAIRN_ACCESS_KEY;
  const secretKey = process.env.CAIRN_SECRET_KEY;
  if (accessKey !== undefined && accessKey !== '') raw.s3AccessKey = accessKey;
  if (secretKey !== undefined && secretKey !== '') raw.s3SecretKey = secretKey;
  // For a benchmark's baseline: the same node without request counters in `/metrics`.
  const requestMetrics = process.env.CAIRN_REQUEST_METRICS;
  if (requestMetrics === 'off' || requestMetrics === 'on')
    raw.requestMetrics = requestMetrics === 'on';
  const config = parseNodeConfig(raw);
  let node: RunningNode | undefined;
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    const forced = setTimeout(() => process.exit(0), 5000);
    forced.unref();
    (node?.close() ?? Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  try {
    const hooks = { requestExit: stop, publicRoute: await webConsole(config) };
    // The server's modules load only here: every other `cairn` command (this file is part of the
    // CLI) would otherwise pay about a second to load them.
    node =
      config.role === 'proxy'
        ? await (await import('../roles/gateway/gateway.js')).startGateway(config, hooks)
        : await (
            await import('../roles/target/target.js')
          ).startTarget(config, hooks, testClockSeam());
  } catch (error) {
    const message = isStoreError(error) || error instanceof Error ? error.message : String(error);
    process.stderr.write(`cairn node: failed to start: ${message}\n`);
    process.exit(1);
  }
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** A gateway's web console (`/console`), reaching the gateway itself with the node's TLS trust. */
async function webConsole(
  config: NodeConfig,
): Promise<((gateway: GatewayFacts) => PublicRoute) | undefined> {
  if (config.role !== 'proxy') return undefined;
  const caFile = config.tls?.files.ca;
  const options = {
    caCert: caFile === undefined ? undefined : await readFile(caFile),
    insecure: config.tls?.skipVerify,
  };
  const { consoleHandler, isConsolePath } = await import('../console/console-route.js');
  return (gateway) => ({ matches: isConsolePath, handle: consoleHandler(gateway, options) });
}
