// CLI error reporting: one line on stderr (`Error: bucket "ais://x" does not exist`), exit code 1
// for failures and 2 for usage errors.
import { ApiError, TransportError } from '../sdk/index.js';
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
