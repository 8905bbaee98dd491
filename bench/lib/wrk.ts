// wrk, the C HTTP load generator, as the GET client that costs the servers the least: run it, and
// read requests/s, bytes/s and latency percentiles from its `--latency` output.
import { runTool } from './processes.js';

export interface WrkResult {
  requestsPerSecond: number;
  mibPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number };
  /** Non-2xx answers plus socket errors. */
  errors: number;
}

const timeUnits: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };
const byteUnits: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** Parses wrk's report. Throws when it is not one. */
export function parseWrk(output: string): WrkResult {
  const requests = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const transfer = /Transfer\/sec:\s+([\d.]+)(B|KB|MB|GB)/.exec(output);
  if (requests === null || transfer === null)
    throw new Error(`not a wrk report: ${output.slice(0, 300)}`);
  const percentile = (label: string): number => {
    const match = new RegExp(`^\\s+${label}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(output);
    return match === null
      ? Number.NaN
      : Number(match[1]) * (timeUnits[match[2] ?? ''] ?? Number.NaN);
  };
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors =
    socket === null ? 0 : socket.slice(1).reduce((sum, value) => sum + Number(value), 0);
  return {
    requestsPerSecond: Number(requests[1]),
    mibPerSecond: (Number(transfer[1]) * (byteUnits[transfer[2] ?? ''] ?? Number.NaN)) / 1024 ** 2,
    latencyMs: { p50: percentile('50'), p90: percentile('90'), p99: percentile('99') },
    errors: non2xx + socketErrors,
  };
}

/**
 * Runs one wrk per URL at the same time (`connections` split between them) and adds up the
 * throughputs; latency percentiles are the worst of the runs. One URL per target process lets
 * every target serve, as one nginx spreads over its workers.
 */
export async function runWrk(
  urls: readonly string[],
  connections: number,
  seconds: number,
  /** Request headers, `Name: value` (e.g. an `Authorization` token). */
  headers: readonly string[] = [],
): Promise<WrkResult> {
  const perUrl = Math.max(1, Math.floor(connections / urls.length));
  const outputs = await Promise.all(
    urls.map((url) =>
      runTool(
        'wrk',
        [
          '-t1',
          `-c${perUrl}`,
          `-d${seconds}s`,
          '--latency',
          '--timeout',
          '30s',
          ...headers.flatMap((header) => ['-H', header]),
          url,
        ],
        {
          timeoutMs: (seconds + 60) * 1000,
        },
      ),
    ),
  );
  const results = outputs.map((output) => {
    if (output.code !== 0)
      throw new Error(`wrk failed: ${output.stderr.trim() || output.stdout.trim()}`);
    return parseWrk(output.stdout);
  });
  return {
    requestsPerSecond: results.reduce((sum, result) => sum + result.requestsPerSecond, 0),
    mibPerSecond: results.reduce((sum, result) => sum + result.mibPerSecond, 0),
    latencyMs: {
      p50: Math.max(...results.map((result) => result.latencyMs.p50)),
      p90: Math.max(...results.map((result) => result.latencyMs.p90)),
      p99: Math.max(...results.map((result) => result.latencyMs.p99)),
    },
    errors: results.reduce((sum, result) => sum + result.errors, 0),
  };
}
