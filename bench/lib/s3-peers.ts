// The S3 servers a same-run comparison measures Cairn against, and the load clients it drives them
// with. Peer scripts and the load client live in ../shared/peers (beside the repository; override
// with CAIRN_PEERS_DIR) and are run from there, never copied in: s3bench.mjs (a dependency-free Node
// SigV4 client), wrk-get.lua (wrk over presigned URLs), and ceph-rgw/start.sh and stop.sh.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTool } from './processes.js';
import type { Scratch } from './scratch.js';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const peersDir = process.env['CAIRN_PEERS_DIR'] ?? join(repoRoot, '..', 'shared', 'peers');

/** An S3 endpoint to measure, with its keys and the processes whose CPU is counted. */
export interface S3Server {
  name: string;
  endpoint: string;
  accessKey: string;
  secretKey: string;
  /** Process IDs by role (`gateway`, `target-0`, ...), for CPU per request. */
  pids: Record<string, number>;
}

/** One phase of s3bench.mjs: what its --json line says. */
export interface S3benchResult {
  ops: number;
  errors: number;
  obj_per_s: number;
  MiB_per_s: number;
  p99_ms: number;
  first_error?: string;
}

/**
 * Runs s3bench.mjs against `server` with `args`; returns the figures of its last phase (undefined
 * for runs without a measured phase: fill, presign), or throws with its error.
 */
export async function runS3bench(
  scratch: Scratch,
  server: S3Server,
  args: readonly string[],
): Promise<S3benchResult | undefined> {
  const json = join(scratch.dir, `s3bench-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const result = await runTool(
    process.execPath,
    [
      join(peersDir, 's3bench.mjs'),
      '--endpoint',
      server.endpoint,
      '--access-key',
      server.accessKey,
      '--secret-key',
      server.secretKey,
      '--json',
      json,
      ...args,
    ],
    { timeoutMs: 600_000 },
  );
  if (result.code !== 0) {
    throw new Error(`s3bench: ${(result.stderr.trim() || result.stdout.trim()).slice(0, 300)}`);
  }
  const lines = (await readFile(json, 'utf8').catch(() => '')).trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  return last === '' ? undefined : (JSON.parse(last) as S3benchResult);
}

/** Writes `count` presigned GET paths of objects obj-0..obj-(count-1) of `bucket`; returns the file. */
export async function presignPaths(
  scratch: Scratch,
  server: S3Server,
  bucket: string,
  count: number,
): Promise<string> {
  const file = join(scratch.dir, `paths-${server.name.replace(/\W/g, '')}-${bucket}`);
  const args = ['--bucket', bucket, '--no-bucket', '--keep', '--quiet', '--ops', ''];
  await runS3bench(scratch, server, [...args, '--presign', String(count), '--presign-out', file]);
  return file;
}

export interface WrkFigures {
  requestsPerSecond: number;
  mibPerSecond: number;
  errors: number;
}

/** wrk GET over presigned paths (`-t2 -c32`), as ../shared/peers/matrix.sh runs it. */
export async function runWrkPresigned(
  server: S3Server,
  pathsFile: string,
  seconds: number,
): Promise<WrkFigures> {
  const result = await runTool(
    'wrk',
    [
      '-t2',
      '-c32',
      `-d${seconds}s`,
      '--timeout',
      '30s',
      '-s',
      join(peersDir, 'wrk-get.lua'),
      server.endpoint,
      '--',
      pathsFile,
    ],
    { timeoutMs: (seconds + 60) * 1000 },
  );
  const match = /WRK reqs=\d+ secs=[\d.]+ req_per_s=([\d.]+) MiB_per_s=([\d.]+) errors=(\d+)/.exec(
    result.stdout,
  );
  if (match === null) throw new Error(`wrk: ${(result.stderr || result.stdout).slice(0, 300)}`);
  return {
    requestsPerSecond: Number(match[1]),
    mibPerSecond: Number(match[2]),
    errors: Number(match[3]),
  };
}

/** User + system CPU of a process (or one of its threads) so far, in milliseconds (/proc stat). */
export async function cpuMs(pid: number, thread?: number): Promise<number> {
  const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const stat = await readFile(path, 'utf8');
  // Fields after the command name (which may hold spaces): utime and stime are the 14th and 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks at USER_HZ = 100
}

/** Ceph RGW's keys (the sample keys of ceph's vstart.sh, created by start.sh). */
const rgwKeys = {
  accessKey: '0555b35654ad1656d804',
  secretKey: 'h7GhxuBLTrlhVUyxSPUKUV8r/2EI4ngqJxD7iBdBYLhwluN30JaT3Q==',
};

/**
 * Starts a single-node Ceph with radosgw (installing Debian's packages first, waiting for apt's
 * locks, without recommended packages) and registers its stop. Returns the server, or the reason
 * it could not start.
 */
export async function startCephRgw(scratch: Scratch, port: number): Promise<S3Server | string> {
  const aptConfig = join(scratch.dir, 'apt-no-recommends.conf');
  await writeFile(aptConfig, 'APT::Install-Recommends "false";\n');
  const install = await runTool(
    'bash',
    [join(repoRoot, 'scripts', 'test-deps.sh'), 'ceph-mon', 'ceph-osd', 'radosgw', 'ceph-common'],
    { timeoutMs: 1_800_000, env: { ...process.env, APT_CONFIG: aptConfig } },
  );
  if (install.code !== 0) return `Ceph packages could not be installed: ${lastLine(install)}`;
  const dir = join(scratch.dir, 'ceph');
  const start = await runTool('bash', [join(peersDir, 'ceph-rgw', 'start.sh'), String(port), dir], {
    timeoutMs: 300_000,
  });
  // stop.sh kills what start.sh recorded and removes the directory, also after a failed start.
  scratch.defer(async () => {
    await runTool('bash', [join(peersDir, 'ceph-rgw', 'stop.sh'), dir], { timeoutMs: 60_000 });
  });
  const pids = /PIDS (\d+) (\d+) (\d+)/.exec(start.stdout);
  if (start.code !== 0 || pids === null) return `Ceph RGW did not start: ${lastLine(start)}`;
  const radosgw = await runTool('pgrep', ['-P', pids[3] ?? '', 'radosgw']);
  const rgwPid = Number(radosgw.stdout.trim().split('\n')[0]);
  return {
    name: 'Ceph RGW',
    endpoint: `http://127.0.0.1:${port}`,
    ...rgwKeys,
    pids: {
      mon: Number(pids[1]),
      osd: Number(pids[2]),
      ...(Number.isInteger(rgwPid) && rgwPid > 0 ? { radosgw: rgwPid } : {}),
    },
  };
}

function lastLine(result: { stdout: string; stderr: string; code: number }): string {
  const text = `${result.stderr}\n${result.stdout}`.trim().split('\n');
  return (text[text.length - 1] ?? `exit code ${result.code}`).slice(0, 300);
}
