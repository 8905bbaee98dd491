// `--refresh SECONDS` and `--count N` of the CLI's views: print a frame, wait, print the next, like
// `top` (the screen is cleared between frames on a terminal; elsewhere frames follow one another,
// and with `--json` each frame is one line of JSON, for a pipe to read line by line).
import { Option } from 'commander';
import { stringifyJson } from '../../util/json.js';
import { positiveInteger } from '../arguments.js';
import type { CommandContext } from '../context.js';

export interface RefreshOptions {
  refresh?: number;
  count?: number;
  json?: boolean;
}

/** The options every refreshing view takes. */
export function refreshOptions(): Option[] {
  return [
    new Option('--refresh <seconds>', 'redraw every SECONDS until interrupted').argParser(
      positiveInteger,
    ),
    new Option('--count <n>', 'with --refresh: stop after N frames').argParser(positiveInteger),
    new Option('--json', 'print JSON (with --refresh: one line per frame)'),
  ];
}

/**
 * Prints `frame()` once, or every `--refresh` seconds (`--count` times, else until interrupted).
 * A frame is a value for `--json` and table lines otherwise.
 */
export async function runFrames<T>(
  context: CommandContext,
  options: RefreshOptions,
  frame: () => Promise<T>,
  table: (value: T) => string[],
): Promise<void> {
  if (options.count !== undefined && options.refresh === undefined)
    context.note('--count is ignored without --refresh');
  const frames = options.refresh === undefined ? 1 : (options.count ?? Number.POSITIVE_INFINITY);
  const terminal = context.io.stdout.isTTY === true;
  for (let index = 0; index < frames; index += 1) {
    if (index > 0) await sleep((options.refresh ?? 0) * 1000);
    const value = await frame();
    if (options.json === true) {
      if (options.refresh === undefined) context.printJson(value);
      else context.io.stdout.write(`${stringifyJson(value)}\n`);
      continue;
    }
    if (terminal && options.refresh !== undefined) context.io.stdout.write('\x1b[H\x1b[2J');
    else if (index > 0) context.print();
    context.printLines(table(value));
  }
}

export function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
