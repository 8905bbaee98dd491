// Per-command context: the global options (endpoint, JSON output), a lazily created SDK client,
// output helpers, and the wrapper that turns a thrown error into one stderr line and an exit code.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { Client } from '../sdk/index.js';
import { savedToken } from './auth/token-file.js';
import { stringifyJson } from '../util/json.js';
import { errorLine, exitCodeFor, respellSchemes, typedSchemes } from './cli-errors.js';
import type { CliIo } from './cli-io.js';

/** The playground's endpoint, used when neither `--endpoint` nor CAIRN_ENDPOINT is given. */
export const defaultEndpoint = 'http://127.0.0.1:8080';

/** Options every command inherits from the program. */
export interface GlobalOptions {
  endpoint: string;
  direct: boolean;
  timeout: number;
  /** `cairn auth ...` only: the AuthN service. */
  authnUrl?: string;
  /** A PEM CA bundle file to trust for https:// endpoints. */
  caCert?: string;
  /** Accept any TLS certificate. */
  insecure?: boolean;
}

/** What a command handler works with. */
export class CommandContext {
  readonly io: CliIo;
  readonly globals: GlobalOptions;
  #client: Client | undefined;
  /** The AuthN token of `cairn auth login`, read before the command runs. */
  token: string | undefined;
  /** The `--ca-cert` bundle, read before the command runs. */
  caCert: Buffer | undefined;

  constructor(io: CliIo, globals: GlobalOptions) {
    this.io = io;
    this.globals = globals;
  }

  /** The SDK client for `--endpoint`, created on first use. */
  get client(): Client {
    if (this.#client === undefined) {
      const token = this.token;
      this.#client = new Client(this.globals.endpoint, {
        direct: this.globals.direct,
        timeoutMs: this.globals.timeout * 1000,
        ...(token === undefined ? {} : { token }),
        ...(this.caCert === undefined ? {} : { caCert: this.caCert }),
        insecure: this.globals.insecure === true,
      });
    }
    return this.#client;
  }

  /** Writes one line to stdout. */
  print(line = ''): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes lines to stdout. */
  printLines(lines: readonly string[]): void {
    if (lines.length > 0) this.io.stdout.write(`${lines.join('\n')}\n`);
  }

  /** Writes a value as indented JSON (bigints as exact integers). */
  printJson(value: unknown): void {
    this.io.stdout.write(`${stringifyJson(value, 2)}\n`);
  }

  /** Writes a note for people to stderr (stdout stays clean for data). */
  note(line: string): void {
    this.io.stderr.write(`${line}\n`);
  }

  async close(): Promise<void> {
    await this.#client?.close();
  }
}

/**
 * Wraps a command handler: builds its context from the command's global options, reports a thrown
 * error as `Error: ...` on stderr with exit code 1 (2 for usage errors), naming buckets with the
 * scheme the user typed, and closes the client.
 * Commander passes the handler's arguments followed by its options and the command itself.
 */
export function commandAction<Arguments extends unknown[]>(
  io: CliIo,
  handler: (context: CommandContext, ...args: Arguments) => Promise<void>,
): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const context = new CommandContext(io, command.optsWithGlobals<GlobalOptions>());
    try {
      context.token = await savedToken();
      context.caCert = await readCaCert(context.globals.caCert);
      await handler(context, ...(args.slice(0, -1) as Arguments));
    } catch (error) {
      // Name buckets as the user did: `s3://b`, not Cairn's `aws://b`.
      const line = respellSchemes(errorLine(error), typedSchemes(args.slice(0, -1)));
      io.stderr.write(`Error: ${line}\n`);
      io.setExitCode(exitCodeFor(error));
    } finally {
      await context.close();
    }
  };
}

async function readCaCert(path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined || path === '') return undefined;
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`cannot read --ca-cert ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
