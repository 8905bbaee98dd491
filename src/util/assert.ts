// Invariant checks: a failed assertion is a bug and ends the process (faults are typed errors instead).
import { AssertionError } from 'node:assert';

/** Throws an AssertionError (which the process treats as fatal) when `condition` is false. */
export function invariant(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError({ message: `invariant violated: ${message}` });
}
