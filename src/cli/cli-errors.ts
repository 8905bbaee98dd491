// CLI error reporting: one line on stderr (`Error: bucket "ais://x" does not exist`), exit code 1
// for failures and 2 for usage errors.
import { ApiError, TransportError } from '../sdk/index.js';
import { normalizeProvider } from '../wire/index.js';
import { ExitCode } from './cli-io.js';

/** A command called wrongly (bad URI, missing name): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A command that failed for a reason already worded for people: exit code 1. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandError';
  }
}

/** The one line printed for an error (without the `Error: ` prefix). */
export function errorLine(error: unknown): string {
  if (error instanceof ApiError) {
    // Server messages usually name their subject (`bucket "ais://b" does not exist`); when one
    // does not, say which operation failed.
    return /\w+:\/\//.test(error.detail) ? error.detail : `${error.operation}: ${error.detail}`;
  }
  if (error instanceof TransportError || error instanceof UsageError) return error.message;
  if (error instanceof CommandError) return error.message;
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === undefined || error.message.includes(code)
      ? error.message
      : `${error.message} (${code})`;
  }
  return String(error);
}

export function exitCodeFor(error: unknown): number {
  return error instanceof UsageError ? ExitCode.usage : ExitCode.failure;
}

/**
 * The schemes the user typed for providers Cairn spells otherwise (`s3` for `s3://b`, which
 * Cairn calls `aws`), by provider, from a command's arguments and option values. A provider typed
 * in two spellings in one command is left out (either would be a guess).
 */
export function typedSchemes(args: readonly unknown[]): Map<string, string> {
  const spellings = new Map<string, Set<string>>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      const scheme = /^([A-Za-z0-9]+):\/\//.exec(value)?.[1];
      const provider = scheme === undefined ? undefined : normalizeProvider(scheme);
      if (scheme !== undefined && provider !== undefined) {
        const seen = spellings.get(provider) ?? new Set<string>();
        spellings.set(provider, seen.add(scheme.toLowerCase()));
      }
    } else if (Array.isArray(value) && depth === 0) {
      for (const item of value) visit(item, 1);
    } else if (typeof value === 'object' && value !== null && depth === 0) {
      for (const item of Object.values(value)) visit(item, 1);
    }
  };
  for (const arg of args) visit(arg, 0);
  const typed = new Map<string, string>();
  for (const [provider, schemes] of spellings) {
    const [only] = schemes;
    if (schemes.size === 1 && only !== undefined && only !== provider) typed.set(provider, only);
  }
  return typed;
}

/** `text` with each provider's scheme (`aws://`) spelled as the user typed it (`s3://`). */
export function respellSchemes(text: string, typed: ReadonlyMap<string, string>): string {
  let result = text;
  for (const [provider, scheme] of typed) {
    result = result.replace(new RegExp(`\\b${provider}://`, 'g'), `${scheme}://`);
  }
  return result;
}
