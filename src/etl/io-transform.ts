// The `io://` communication: one process per object, the object on its stdin, the result on its
// stdout (shell one-liners: `tr a-z A-Z`, `md5sum`). The answer starts once the process has written
// its first bytes or ended; a non-zero exit before any output is a clean error with its stderr, one
// after output breaks off the answer (the client sees a truncated transfer, never a success).
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { LogRing } from './process/log-ring.js';
import { transformFailed, transformTimedOut } from './etl-errors.js';

const stderrKeepBytes = 4096;

export interface IoRun {
  /** The transformed bytes; fails (is destroyed) when the process fails after writing some. */
  output: Readable;
}

/**
 * Runs `argv` over `input`. Resolves with the output stream at the first output byte (or a clean
 * exit with none); rejects on a failure before any output. `objTimeoutMs` bounds every silence.
 */
export function runIoTransform(
  name: string,
  argv: readonly string[],
  env: Record<string, string>,
  cwd: string,
  input: Readable,
  objTimeoutMs: number,
): Promise<IoRun> {
  const [command, ...args] = argv;
  const child = spawn(command as string, args, {
    cwd,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stderr = new LogRing(stderrKeepBytes);
  const stdout = child.stdout;
  child.stderr.on('data', (chunk: Buffer) => stderr.append(chunk));
  child.stderr.on('error', () => undefined);
  // A process that stops reading its stdin early (`head -c`) is not a failure of ours.
  child.stdin.on('error', () => undefined);
  input.on('error', () => child.stdin.destroy());
  input.pipe(child.stdin);
  const kill = (): void => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // gone already
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let failure: Error | undefined;
  const armTimer = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      failure = transformTimedOut(name, objTimeoutMs);
      kill();
    }, objTimeoutMs);
  };
  armTimer();
  return new Promise((resolve, reject) => {
    let started = false;
    const start = (): void => {
      if (started) return;
      started = true;
      resolve({ output: stdout });
    };
    // The first chunk decides that the answer starts; it goes back to the stream for the consumer.
    stdout.once('data', (chunk: Buffer) => {
      stdout.pause();
      stdout.unshift(chunk);
      start();
    });
    stdout.on('data', armTimer);
    child.once('error', (error) => {
      clearTimeout(timer);
      input.destroy();
      reject(transformFailed(name, `could not run the io command: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      kill();
      input.destroy();
      const ok = code === 0 && failure === undefined;
      const why =
        failure ??
        transformFailed(
          name,
          `the io command ${signal === null ? `exited with status ${code}` : `was killed by ${signal}`}: ${stderr.contents().toString('utf8').trim()}`,
        );
      if (!started) {
        if (ok) start();
        else reject(why);
      } else if (!ok) stdout.destroy(why);
    });
  });
}
