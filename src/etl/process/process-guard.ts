// The shell wrapper every transformer runs under. It applies the configured limits (ulimit), runs
// the command in the background, and watches its own stdin, a pipe from the target: when the
// target dies (even by SIGKILL) the pipe reaches EOF and the wrapper kills its whole process group,
// so no transformer outlives its node. The target spawns it as a group leader (detached).

export interface ProcessLimits {
  memoryBytes: number;
  cpuSeconds: number;
  openFiles: number;
}

/** `ulimit` lines for the non-zero limits (memory in KiB, as `ulimit -v` takes it). */
function limitLines(limits: ProcessLimits): string[] {
  const lines: string[] = [];
  if (limits.memoryBytes > 0) lines.push(`ulimit -v ${Math.ceil(limits.memoryBytes / 1024)}`);
  if (limits.cpuSeconds > 0) lines.push(`ulimit -t ${limits.cpuSeconds}`);
  if (limits.openFiles > 0) lines.push(`ulimit -n ${limits.openFiles}`);
  return lines;
}

/**
 * The wrapper's argv for `command`. A background job's stdin is /dev/null in a non-interactive
 * shell, so the watcher reads the pipe through fd 3. When the command ends, the wrapper signals
 * the rest of its group (the watcher, any stray children) and exits with the command's status.
 */
export function guardedArgv(command: readonly string[], limits: ProcessLimits): string[] {
  const script = [
    ...limitLines(limits),
    'exec 3<&0',
    '"$@" </dev/null &',
    'child=$!',
    '{ read -r _ <&3; kill -KILL 0; } &',
    'wait "$child"',
    'status=$?',
    "trap '' TERM",
    'kill -TERM 0',
    'exit "$status"',
  ].join('\n');
  return ['sh', '-c', script, 'cairn-etl', ...command];
}
