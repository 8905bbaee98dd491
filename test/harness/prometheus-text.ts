// A node's `GET /metrics` read with a Prometheus text-format parser nobody here wrote
// (parse-prometheus-text-format, a port of the Python client's parser), and its samples looked up.
// That parser folds only unlabelled histograms (it drops labelled ones), so a histogram is read as
// its three series (`<name>_bucket`, `_sum`, `_count`): its TYPE line is set aside before parsing
// and checked on its own.
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

/** One metric family as the parser gives it (values are strings, as in the text). */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: {
    value?: string;
    labels?: Record<string, string>;
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

const require = createRequire(import.meta.url);
const parseText = require('parse-prometheus-text-format') as (text: string) => MetricFamily[];

export class Scrape {
  private constructor(
    readonly text: string,
    readonly families: ReadonlyMap<string, MetricFamily>,
  ) {}

  static async of(nodePublicUrl: string): Promise<Scrape> {
    const response = await fetch(`${nodePublicUrl}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    const histograms = new Set<string>();
    const lines = text.split('\n').filter((line) => {
      const histogram = /^# TYPE (\S+) histogram$/.exec(line);
      if (histogram?.[1] !== undefined) histograms.add(histogram[1]);
      return histogram === null;
    });
    // Untyped, each label set's `_bucket` lines come out as a family of their own: merged by name.
    const families = new Map<string, MetricFamily>();
    for (const family of parseText(lines.join('\n'))) {
      const seen = families.get(family.name);
      if (seen === undefined) families.set(family.name, family);
      else seen.metrics.push(...family.metrics);
    }
    // A histogram with samples has all three series (one with none yet, e.g. GC, has none).
    for (const name of histograms)
      if (families.has(`${name}_count`))
        for (const suffix of ['_bucket', '_sum'])
          assert.ok(families.has(`${name}${suffix}`), `histogram ${name} without ${suffix}`);
    return new Scrape(text, families);
  }

  family(name: string): MetricFamily {
    const family = this.families.get(name);
    assert.ok(family !== undefined, `metric ${name} not exported`);
    return family;
  }

  /** The samples of `name` whose labels include `labels`. */
  samples(name: string, labels: Record<string, string> = {}): MetricFamily['metrics'] {
    return this.family(name).metrics.filter((sample) =>
      Object.entries(labels).every(([key, value]) => sample.labels?.[key] === value),
    );
  }

  /** The value of the one sample of `name` with `labels` (0 when the family has none such). */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.samples(name, labels);
    assert.ok(found.length <= 1, `${name} ${JSON.stringify(labels)}: ${found.length} samples`);
    const [sample] = found;
    return sample === undefined ? 0 : Number(sample.value);
  }
}
