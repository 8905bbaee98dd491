// Counters of one phase: per operation (PUT, GET) the successes, failures, bytes and latencies,
// plus a bounded log of distinct error messages for the report.
import { LatencyHistogram } from './latency-histogram.js';

export type OperationName = 'PUT' | 'GET';

export class OperationStats {
  /** Successful operations. */
  count = 0;
  errors = 0;
  /** Body bytes of successful operations. */
  bytes = 0;
  /** Latency of successful operations in microseconds (GET: until the last body byte). */
  readonly latency = new LatencyHistogram();

  recordSuccess(bytes: number, microseconds: number): void {
    this.count += 1;
    this.bytes += bytes;
    this.latency.record(microseconds);
  }
}

/** A distinct error message, how often it occurred, and for which operation first. */
export interface ErrorSummary {
  operation: OperationName | 'setup' | 'cleanup';
  message: string;
  count: number;
}

/** Keeps at most `limit` distinct messages; later distinct ones are only counted. */
export class ErrorLog {
  readonly #byMessage = new Map<string, ErrorSummary>();
  readonly #limit: number;
  #total = 0;
  #dropped = 0;

  constructor(limit = 10) {
    this.#limit = limit;
  }

  add(operation: ErrorSummary['operation'], message: string): void {
    this.#total += 1;
    const known = this.#byMessage.get(message);
    if (known !== undefined) {
      known.count += 1;
    } else if (this.#byMessage.size < this.#limit) {
      this.#byMessage.set(message, { operation, message, count: 1 });
    } else {
      this.#dropped += 1;
    }
  }

  get total(): number {
    return this.#total;
  }

  /** Errors whose message was not kept (beyond the distinct-message limit). */
  get dropped(): number {
    return this.#dropped;
  }

  summaries(): ErrorSummary[] {
    return [...this.#byMessage.values()];
  }
}
