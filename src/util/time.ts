// Time helpers: Unix nanoseconds (AIStore puts times on the wire as decimal nanoseconds) and sleeps.

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
