#!/usr/bin/env node
// The `cairn` program: the CLI (buckets, objects, cluster, playground) plus `cairn node` (a server)
// and `cairn authn` (the AuthN service).
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { configureProgram, processIo } from '../cli/cli-io.js';
// Not config/index.js: the CLI starts faster without the config schemas (zod).
import { defaultS3AccessKey, defaultS3SecretKey } from '../config/default-credentials.js';
import { authnCommand } from './authn-command.js';
import { nodeCommand } from './node-command.js';

const servers: Record<string, () => Command> = { node: nodeCommand, authn: authnCommand };

/**
 * A server process (`cairn node`, `cairn authn`) gets a program with its own command only: it
 * starts without loading the client commands (every node of a playground or a test starts so).
 */
async function program(): Promise<Command> {
  const server = servers[process.argv[2] ?? ''];
  if (server !== undefined) return configureProgram(new Command('cairn'), processIo());
  const { buildCli } = await import('../cli/index.js');
  // The playground's nodes inherit this environment, so they use the key pair printed here.
  return buildCli({
    entryScript: fileURLToPath(import.meta.url),
    s3Credentials: {
      accessKey: process.env.CAIRN_ACCESS_KEY || defaultS3AccessKey,
      secretKey: process.env.CAIRN_SECRET_KEY || defaultS3SecretKey,
    },
  });
}

const cairn = await program();
for (const command of Object.values(servers))
  cairn.addCommand(command().copyInheritedSettings(cairn));
await cairn.parseAsync(process.argv);
