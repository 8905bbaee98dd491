// The transformer guard: limits applied, the command's status passed on, and the whole process
// group killed when the target's end of the lifeline pipe closes (the target died).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { guardedArgv } from './process-guard.js';

const noLimits = { memoryBytes: 0, cpuSeconds: 0, openFiles: 0 };

function run(argv: string[]): {
  child: ReturnType<typeof spawn>;
  done: Promise<{ code: number | null; stdout: string }>;
} {
  const [command, ...args] = argv;
  const child = spawn(command as string, args, {
    detached: true,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const done = new Promise<{ code: number | null; stdout: string }>((resolve) => {
    child.once('close', (code) => resolve({ code, stdout }));
  });
  return { child, done };
}

test('limits are applied and the exit status is passed on', async () => {
  const limited = run(
    guardedArgv(['sh', '-c', 'ulimit -n; ulimit -t; exit 5'], {
      ...noLimits,
      openFiles: 64,
      cpuSeconds: 30,
    }),
  );
  const { code, stdout } = await limited.done;
  assert.equal(code, 5);
  assert.deepEqual(stdout.trim().split('\n'), ['64', '30']);
});

test('closing the lifeline kills the whole group, grandchildren included', async () => {
  const guarded = run(guardedArgv(['sh', '-c', 'sleep 300 & echo $!; wait'], noLimits));
  const grandchild = await new Promise<number>((resolve) => {
    guarded.child.stdout?.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  assert.ok(grandchild > 0);
  guarded.child.stdin?.end();
  await guarded.done;
  const alive = (): boolean => {
    try {
      process.kill(grandchild, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 100 && alive(); i += 1)
    await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(alive(), false);
});
