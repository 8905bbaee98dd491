// Go duration strings (`"45s"`, `"5m"`, `"1h30m"`, `"500ms"`), as AIStore's messages carry them.
import { badRequest } from '../errors/index.js';

const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration string; a bare number is taken as nanoseconds (Go's int64). */
export function parseGoDuration(text: string, what: string): number {
  if (/^\d+$/.test(text)) return Number(text) / 1e6;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text)
    throw badRequest(`${what}: invalid duration "${text}"`);
  return parts.reduce(
    (total, [, amount, unit]) => total + Number(amount) * (unitMs[unit ?? ''] ?? 0),
    0,
  );
}

/** A Go-style duration string of whole milliseconds, trimmed as AIStore prints it (`5m`, `1h30m`, `1.5s`). */
export function formatGoDuration(milliseconds: number): string {
  if (milliseconds < 1000) return `${milliseconds}ms`;
  const hours = Math.floor(milliseconds / 3_600_000);
  const minutes = Math.floor((milliseconds % 3_600_000) / 60_000);
  const seconds = (milliseconds % 60_000) / 1000;
  return `${hours > 0 ? `${hours}h` : ''}${minutes > 0 ? `${minutes}m` : ''}${seconds > 0 ? `${seconds}s` : ''}`;
}
