// `cairn bench` options as the command line gives them, for the bench's unit tests.
import type { RawBenchOptions } from './bench-options.js';

/** The global options of a test run (`--endpoint`, `--direct`, `--timeout`). */
export const testGlobals = { endpoint: 'http://127.0.0.1:8080/', direct: true, timeout: 60 };

/** The defaults of `cairn bench` with `overrides`. */
export function rawBenchOptions(overrides: Partial<RawBenchOptions> = {}): RawBenchOptions {
  return {
    bucket: 'bench',
    workload: 'put,get',
    size: '1MiB',
    concurrency: '16',
    readPercent: '50',
    names: 'random',
    prefix: 'cairn-bench/',
    cleanup: true,
    maxErrors: '100',
    region: 'us-east-1',
    ...overrides,
  };
}
