// The clock seam: code on the target's object path takes the time from an injected `Clock`, so a
// test can run a node at a chosen time (or move time along) without waiting.

/** Wall-clock time. */
export interface Clock {
  /** Milliseconds since the Unix epoch (as `Date.now()`). */
  nowMs(): number;
}

/** The system clock. */
export const systemClock: Clock = { nowMs: Date.now };

/** The system clock moved by `offsetMs` (a test runs a node days ahead to see lifecycle rules act). */
export function offsetClock(offsetMs: number): Clock {
  return { nowMs: () => Date.now() + offsetMs };
}
