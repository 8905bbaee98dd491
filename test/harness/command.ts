// Runs a command-line client (aws, s3cmd, curl) for a test: a non-zero exit is an answer to
// assert on, not a failure of the test.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CommandAnswer {
  code: number;
  stdout: string;
  stderr: string;
}

export async function command(
  program: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<CommandAnswer> {
  try {
    // Large enough for an object read back to stdout.
    const { stdout, stderr } = await run(program, args, {
      env,
      timeout: 60_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}
