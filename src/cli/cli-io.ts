// Where the CLI writes and how it exits: the process by default, captured streams in tests.
import type { Command } from 'commander';

/** Output streams and exit hooks of one CLI run. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  /** Records the exit code for when the run ends (commands that fail set 1). */
  setExitCode(code: number): void;
  /** Ends the run at once (usage errors detected by the argument parser). */
  exit(code: number): never;
}

/** The real process. */
export function processIo(): CliIo {
  endQuietlyOnBrokenPipe();
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    exit: (code) => process.exit(code),
  };
}

/** Exit codes: 1 when a command fails, 2 when it was called wrongly. */
export const ExitCode = { failure: 1, usage: 2 } as const;

/**
 * Points a program's output at `io` and makes a usage error exit with 2. Settings are copied to
 * commands created afterwards, so this covers every subcommand.
 */
export function configureProgram(program: Command, io: CliIo): Command {
  return program
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride((error) => io.exit(error.exitCode === 0 ? 0 : ExitCode.usage))
    .showHelpAfterError('(run with --help for usage)');
}

let outputGuarded = false;

/**
 * A reader that stops early (`cairn ls | head -1`) closes the pipe and the next write fails with
 * EPIPE, which Node emits as an 'error' event: unhandled, it prints a stack trace. Node ignores
 * SIGPIPE, so nothing else ends the run. We exit at once with the status so far (0 unless a
 * command already failed), not the 141 of a process killed by SIGPIPE: whether `cat` gets 141
 * depends on whether its output outgrew the pipe buffer, and under `set -o pipefail` that noise
 * fails scripts that chose to read only the head. Any other output error is reported and fails.
 */
function endQuietlyOnBrokenPipe(): void {
  if (outputGuarded) return;
  outputGuarded = true;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit();
    process.stderr.write(`Error: cannot write to stdout: ${error.message}\n`);
    process.exit(ExitCode.failure);
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    // Nowhere left to report it.
    process.exit(error.code === 'EPIPE' ? undefined : ExitCode.failure);
  });
}
