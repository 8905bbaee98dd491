// Child processes for the benchmark suite: run a tool to completion and capture its output, or
// keep a server running until stopped. Every process is killed when the suite exits, even on error.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled `cairn` entry point (the suite runs from dist/bench). */
export const cairnEntry = fileURLToPath(new URL('../../src/bin/cairn.js', import.meta.url));

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `command args` to its end (bounded by `timeoutMs`), never throwing for a non-zero exit. */
export function runTool(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolResult> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        timeout: options.timeoutMs ?? 300_000,
        maxBuffer: 64 * 1024 * 1024,
        env: options.env ?? process.env,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Runs the `cairn` CLI (`entry`: another build's, for an A/B bench). */
export function runCairn(
  args: readonly string[],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; entry?: string } = {},
): Promise<ToolResult> {
  return runTool(process.execPath, [options.entry ?? cairnEntry, ...args], options);
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Starts a long-running process; `stop` kills it and waits for its exit. */
export function startServer(
  command: string,
  args: readonly string[],
): { child: ChildProcess; stop: () => Promise<void> } {
  const child = spawn(command, args, { stdio: 'ignore' });
  live.add(child);
  child.once('exit', () => live.delete(child));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  return { child, stop };
}

/** Resolves when `url` answers any HTTP status, or rejects after `timeoutMs`. */
export async function waitForHttp(url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > deadline)
        throw new Error(`${url} did not answer in ${timeoutMs} ms`, { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
