// Time helpers: Unix nanoseconds (AIStore puts times on the wire as decimal nanoseconds), sleeps,
// and how long a throttled answer's `Retry-After` (RFC 9110 §10.2.3: seconds or an HTTP date) asks
// to wait, read wherever another server's answer becomes an error (the SDK, the backends).

/** Current time in Unix nanoseconds. */
export function nowNanoseconds(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/** Milliseconds since the Unix epoch to nanoseconds. */
export function millisecondsToNanoseconds(milliseconds: number): bigint {
  return BigInt(Math.round(milliseconds * 1000)) * 1000n;
}

export function sleep(milliseconds: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, milliseconds);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Milliseconds the answer asks to wait from `nowMs`, or undefined when the header is absent or
 * malformed (a date in the past is 0). A repeated header counts by its first value.
 */
export function retryAfterMs(
  value: string | readonly string[] | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const text = (typeof value === 'string' ? value : value?.[0])?.trim();
  if (text === undefined || text === '') return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // HTTP dates always name the weekday and GMT: this keeps Date.parse from taking numbers or
  // other free forms it would guess at.
  if (!/^[A-Za-z]{3},? .* GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
