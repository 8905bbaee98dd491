#!/usr/bin/env node
// The `cairn` program: the CLI (buckets, objects, cluster, playground) plus `cairn node` (a server).
import { fileURLToPath } from 'node:url';
import { buildCli } from '../cli/index.js';
import { nodeCommand } from './node-command.js';

const program = buildCli({ entryScript: fileURLToPath(import.meta.url) });
program.addCommand(nodeCommand().copyInheritedSettings(program));
await program.parseAsync(process.argv);
