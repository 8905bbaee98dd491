// What Prometheus metrics cost a GET of 4 KiB: two playgrounds of the same shape, one whose nodes
// count requests for `/metrics` and are scraped (every node, once a second: Prometheus scrapes
// every 15 s by default), one with request counting off (`CAIRN_REQUEST_METRICS=off`) and never
// scraped. wrk reads one object straight from each target; the two run in turns, several rounds,
// and the medians are compared (goal: at most 2% dearer). Two figures: GETs per CPU-second of
// the nodes (their user + system time from /proc, per GET they counted), which other load on a
// shared machine moves less, and wrk's GETs per second, which it moves a lot. Since a loaded
// 2-core machine still moves both by more than 2%, the cost is also measured in this process
// alone: CPU time of counting one request, and of one scrape of a node's registry, set against
// the CPU time of a GET.
import { NodeMetrics } from '../src/roles/common/metrics/node-metrics.js';
import type { Client } from '../src/sdk/index.js';
import { Playground } from './lib/playground.js';
import { publish } from './lib/results-table.js';
import { withScratch } from './lib/scratch.js';
import { phaseSeconds } from './lib/sizes.js';
import { runWrk } from './lib/wrk.js';
import { median } from './lib/median.js';

const bucket = { name: 'metrics-cost', provider: 'ais' };
const objectBytes = 4096;
const connections = 16;
const rounds = Number(process.env['BENCH_METRICS_ROUNDS'] ?? 3);
const scrapeIntervalMs = 1000;
const body = Buffer.alloc(objectBytes, 0x6d);

/** Scrapes every node's `/metrics` once a second until stopped; returns the stop function. */
function scrapeEverySecond(nodeUrls: readonly string[]): () => Promise<number> {
  let scrapes = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const started = Date.now();
      await Promise.all(
        nodeUrls.map(async (url) => {
          const response = await fetch(`${url}/metrics`);
          await response.text();
          if (response.status !== 200) throw new Error(`${url}/metrics: ${response.status}`);
          scrapes += 1;
        }),
      );
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, scrapeIntervalMs - (Date.now() - started))),
      );
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return scrapes;
  };
}

/** GETs the targets counted so far (`get.n`, kept whether or not metrics count requests). */
async function targetGets(client: Client): Promise<number> {
  const statuses = await client.cluster.performance();
  return Object.values(statuses).reduce(
    (sum, status) => sum + Number(status.tracker['get.n']?.v ?? 0),
    0,
  );
}

interface Phase {
  perSecond: number;
  perCpuSecond: number;
}

/** One wrk phase; `during` runs alongside (the scraper) and is stopped at its end. */
async function phase(
  playground: Playground,
  client: Client,
  urls: readonly string[],
  during?: () => () => Promise<number>,
): Promise<Phase & { scrapes: number }> {
  const cpuBefore = (await playground.cpuSeconds()).total;
  const getsBefore = await targetGets(client);
  const stop = during?.();
  const result = await runWrk(urls, connections, phaseSeconds);
  const scrapes = (await stop?.()) ?? 0;
  const cpu = (await playground.cpuSeconds()).total - cpuBefore;
  const gets = (await targetGets(client)) - getsBefore;
  if (result.errors > 0) throw new Error(`wrk: ${result.errors} errors`);
  return { perSecond: result.requestsPerSecond, perCpuSecond: gets / cpu, scrapes };
}

/** CPU nanoseconds to count one successful native GET (what every request adds on the node). */
function countingCostNs(): number {
  const requests = new NodeMetrics('bench', 'target', true).requests;
  if (requests === undefined) throw new Error('request metrics off');
  const count = (calls: number): void => {
    for (let call = 0; call < calls; call += 1)
      requests.record('native', 'get', 200, false, true, objectBytes, 150_000);
  };
  count(100_000);
  const calls = 2_000_000;
  const started = process.cpuUsage();
  count(calls);
  const used = process.cpuUsage(started);
  return ((used.user + used.system) * 1000) / calls;
}

/** CPU milliseconds of one scrape of a node's registry (with some series in every family). */
async function scrapeCostMs(): Promise<number> {
  const metrics = new NodeMetrics('bench', 'target', true);
  for (const api of ['native', 's3'] as const)
    for (const op of ['get', 'put', 'head', 'del', 'lst'] as const)
      metrics.requests?.record(api, op, 200, false, true, 1, 1000);
  metrics.jobs.started('rebalance');
  await metrics.registry.metrics();
  const scrapes = 200;
  const started = process.cpuUsage();
  for (let scrape = 0; scrape < scrapes; scrape += 1) await metrics.registry.metrics();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000 / scrapes;
}

async function main(): Promise<void> {
  const on: Phase[] = [];
  const off: Phase[] = [];
  let scrapes = 0;
  await withScratch('metrics-off', async (offScratch) => {
    await withScratch('metrics-on', async (onScratch) => {
      const quiet = await Playground.start(offScratch, undefined, {
        ...process.env,
        CAIRN_REQUEST_METRICS: 'off',
      });
      const metered = await Playground.start(onScratch, undefined, {
        ...process.env,
        CAIRN_REQUEST_METRICS: 'on',
      });
      const quietClient = quiet.client();
      offScratch.defer(() => quietClient.close());
      const meteredClient = metered.client();
      onScratch.defer(() => meteredClient.close());
      const quietUrls = await quiet.objectPerTarget(quietClient, bucket, body);
      const meteredUrls = await metered.objectPerTarget(meteredClient, bucket, body);
      const nodes = [metered.endpoint, ...(await metered.targetUrls(meteredClient))];
      for (let round = 0; round < rounds; round += 1) {
        const baseline = await phase(quiet, quietClient, quietUrls);
        off.push(baseline);
        const measured = await phase(metered, meteredClient, meteredUrls, () =>
          scrapeEverySecond(nodes),
        );
        scrapes += measured.scrapes;
        on.push(measured);
        process.stderr.write(
          `metrics-cost: round ${round + 1}: off ${baseline.perSecond.toFixed(0)} GET/s, ${baseline.perCpuSecond.toFixed(0)} GET/CPU-s; on ${measured.perSecond.toFixed(0)} GET/s, ${measured.perCpuSecond.toFixed(0)} GET/CPU-s\n`,
        );
      }
    });
  });
  const recordNs = countingCostNs();
  const scrapeMs = await scrapeCostMs();
  const getsPerCpuSecond = median(off.map((item) => item.perCpuSecond));
  const common = {
    subject: 'counted + scraped 1/s',
    yardstick: 'request metrics off',
    goal: 0.98,
  };
  const rounding = (phases: readonly Phase[], key: keyof Phase): string =>
    phases.map((item) => item[key].toFixed(0)).join('/');
  await publish('metrics-cost', 'Prometheus metrics: counting and scraping cost on GET 4 KiB', [
    {
      ...common,
      workload: `GET 4KiB per node CPU-second, median of ${rounds}`,
      unit: 'GET/CPU-s',
      subjectValue: median(on.map((item) => item.perCpuSecond)),
      yardstickValue: median(off.map((item) => item.perCpuSecond)),
      note: `on ${rounding(on, 'perCpuSecond')}, off ${rounding(off, 'perCpuSecond')}`,
    },
    {
      ...common,
      workload: 'GET 4KiB per node CPU-second, counting measured alone',
      subject: 'counted (computed)',
      unit: 'GET/CPU-s',
      subjectValue: 1 / (1 / getsPerCpuSecond + recordNs / 1e9),
      yardstickValue: getsPerCpuSecond,
      note: `counting a request: ${recordNs.toFixed(0)} ns of CPU; a GET: ${(1e9 / getsPerCpuSecond / 1000).toFixed(0)} us`,
    },
    {
      workload: "one scrape of a node's registry",
      subject: 'Cairn /metrics',
      yardstick: '-',
      unit: 'ms CPU',
      subjectValue: scrapeMs,
      yardstickValue: undefined,
      note: `scraped every 15 s (Prometheus default): ${((scrapeMs / 15_000) * 100).toFixed(3)}% of a core`,
    },
    {
      ...common,
      workload: `GET 4KiB (wrk), median of ${rounds}`,
      unit: 'ops/s',
      subjectValue: median(on.map((item) => item.perSecond)),
      yardstickValue: median(off.map((item) => item.perSecond)),
      note: `${scrapes} scrapes; on ${rounding(on, 'perSecond')}, off ${rounding(off, 'perSecond')}`,
    },
  ]);
}

await main();
