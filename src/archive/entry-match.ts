// Which archived files a multi-file read selects (AIStore's `archregx` + `archmode`, from
// `cmn/archive/read.go` MatchMode): regexp, prefix, suffix, substr, or WebDataset key (the path
// without its extension). An empty mode or `*` means prefix.
import { badRequest } from '../errors/index.js';

export const matchModes = ['regexp', 'prefix', 'suffix', 'substr', 'wdskey'] as const;
export type MatchMode = (typeof matchModes)[number];

export type EntryMatcher = (path: string) => boolean;

export function entryMatcher(expression: string, mode: string): EntryMatcher {
  const selected: MatchMode = mode === '' || mode === '*' ? 'prefix' : requireMode(mode);
  switch (selected) {
    case 'regexp': {
      let pattern: RegExp;
      try {
        pattern = new RegExp(expression);
      } catch (error) {
        throw badRequest(`invalid archregx "${expression}": ${String(error)}`);
      }
      return (path) => pattern.test(path);
    }
    case 'prefix':
      return (path) => path.startsWith(expression);
    case 'suffix':
      return (path) => path.endsWith(expression);
    case 'substr':
      return (path) => path.includes(expression);
    case 'wdskey':
      return (path) => webDatasetKey(path) === expression;
  }
}

/** A WebDataset sample key: the path without the extension of its last component. */
export function webDatasetKey(path: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.indexOf('.', slash + 1);
  return dot < 0 ? path : path.slice(0, dot);
}

function requireMode(mode: string): MatchMode {
  const found = matchModes.find((known) => known === mode);
  if (found === undefined)
    throw badRequest(`invalid archmode "${mode}": expecting one of ${matchModes.join(', ')}`);
  return found;
}
