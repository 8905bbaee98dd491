// A bounded latency histogram with log-linear buckets (the HdrHistogram layout, 2 significant
// digits): fixed memory whatever the run length, percentiles within 1.6% of the recorded values.

/** Values below this are counted exactly; above, each power of two is split into halves of this. */
const subBucketCount = 128;
const halfSubBucketCount = subBucketCount / 2;

/** Largest value kept exactly apart from `max`: about 71 minutes in microseconds. */
export const maxTrackedMicroseconds = 2 ** 32 - 1;

// One exact bucket per value below 128, then 64 buckets for each octave up to 2^32.
const bucketCount = subBucketCount + (32 - 7) * halfSubBucketCount;

/** Latencies in microseconds: record, merge, and read percentiles, minimum and maximum. */
export class LatencyHistogram {
  readonly #counts = new Float64Array(bucketCount);
  #count = 0;
  #max = 0;
  #min = Number.POSITIVE_INFINITY;
  #sum = 0;

  /** Records one latency (negative values count as 0, huge ones as the largest bucket). */
  record(microseconds: number): void {
    const value = Math.min(Math.max(0, Math.round(microseconds)), maxTrackedMicroseconds);
    const index = bucketIndex(value);
    this.#counts[index] = (this.#counts[index] ?? 0) + 1;
    this.#count += 1;
    this.#sum += value;
    if (value > this.#max) this.#max = value;
    if (value < this.#min) this.#min = value;
  }

  /** Adds every value recorded by `other`. */
  merge(other: LatencyHistogram): void {
    for (let index = 0; index < bucketCount; index += 1) {
      this.#counts[index] = (this.#counts[index] ?? 0) + (other.#counts[index] ?? 0);
    }
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#max = Math.max(this.#max, other.#max);
    this.#min = Math.min(this.#min, other.#min);
  }

  get count(): number {
    return this.#count;
  }

  /** Largest value recorded, exact; 0 when empty. */
  get max(): number {
    return this.#max;
  }

  /** Smallest value recorded, exact; 0 when empty. */
  get min(): number {
    return this.#count === 0 ? 0 : this.#min;
  }

  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  /**
   * The value at or below which `percent` of the recordings fall: the upper edge of the bucket
   * holding that rank, never above the true maximum. 0 when empty.
   */
  percentile(percent: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((Math.min(Math.max(percent, 0), 100) / 100) * this.#count));
    let seen = 0;
    for (let index = 0; index < bucketCount; index += 1) {
      seen += this.#counts[index] ?? 0;
      if (seen >= rank) return Math.min(bucketUpperEdge(index), this.#max);
    }
    return this.#max;
  }
}

/** Bucket of a non-negative integer below 2^32. */
export function bucketIndex(value: number): number {
  if (value < subBucketCount) return value;
  const highestBit = 31 - Math.clz32(value);
  // Shift so that the value keeps 7 significant bits: the result lies in [64, 128).
  const shift = highestBit - 6;
  return (
    subBucketCount + (shift - 1) * halfSubBucketCount + ((value >>> shift) - halfSubBucketCount)
  );
}

/** Largest value that falls into bucket `index`. */
export function bucketUpperEdge(index: number): number {
  if (index < subBucketCount) return index;
  const shift = Math.floor((index - subBucketCount) / halfSubBucketCount) + 1;
  const significant = ((index - subBucketCount) % halfSubBucketCount) + halfSubBucketCount;
  return (significant + 1) * 2 ** shift - 1;
}
