#!/usr/bin/env node
// The `cairn` program: the CLI (buckets, objects, cluster, playground) plus `cairn node` (a server).
import { fileURLToPath } from 'node:url';
import { buildCli } from '../cli/index.js';
// Not config/index.js: the CLI starts faster without the config schemas (zod).
import { defaultS3AccessKey, defaultS3SecretKey } from '../config/default-credentials.js';
import { authnCommand } from './authn-command.js';
import { nodeCommand } from './node-command.js';

// The playground's nodes inherit this environment, so they use the key pair printed here.
const program = buildCli({
  entryScript: fileURLToPath(import.meta.url),
  s3Credentials: {
    accessKey: process.env.CAIRN_ACCESS_KEY || defaultS3AccessKey,
    secretKey: process.env.CAIRN_SECRET_KEY || defaultS3SecretKey,
  },
});
program.addCommand(nodeCommand().copyInheritedSettings(program));
program.addCommand(authnCommand().copyInheritedSettings(program));
await program.parseAsync(process.argv);
