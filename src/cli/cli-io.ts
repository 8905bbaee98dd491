// Where the CLI writes and how it exits: the process by default, captured streams in tests.

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
