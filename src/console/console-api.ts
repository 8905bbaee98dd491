// The answers of the console's JSON routes, each built as the CLI builds the matching view (the same
// SDK calls, rows and cells), from a client of the gateway's own native API that carries the
// caller's token: the console sees what the caller may see, and shows the CLI's figures.
import { badRequest } from '../errors/index.js';
import { parseBucketUri, type Client, type ListObjectsRequestJson } from '../sdk/index.js';
import { bucketCells, bucketRows } from '../cli/views/bucket-view.js';
import { clusterCells, clusterReports } from '../cli/views/cluster-view.js';
import { diskCells, diskRows } from '../cli/views/disk-view.js';
import { jobCells, jobRows } from '../cli/views/job-view.js';
import {
  capacityCells,
  capacityRows,
  latencyCells,
  throughputCells,
} from '../cli/views/performance-views.js';
import { entryRow } from '../cli/ls-command.js';
import type { PerformanceHistory } from './performance-history.js';
import type {
  ActionAnswer,
  BucketsAnswer,
  ClusterAnswer,
  JobsAnswer,
  LogAnswer,
  ObjectsAnswer,
  PerformanceAnswer,
} from './web/console-json.js';

/** Objects per listing page in the console. */
const objectsPerPage = 100;

/** Log lines a log view shows (the tail of the node's current log file). */
const logLines = 500;

export async function clusterAnswer(client: Client, adminActions: boolean): Promise<ClusterAnswer> {
  const map = await client.clusterMap({ refresh: true });
  const reports = await clusterReports(client, map);
  const targets = Object.fromEntries(
    reports.flatMap((report) =>
      report.role === 'target' && report.status !== undefined ? [[report.id, report.status]] : [],
    ),
  );
  const disks = diskRows(targets);
  return {
    uuid: map.uuid,
    version: map.version,
    primary: map.proxy_si?.daemon_id ?? '',
    nodes: clusterCells(reports),
    disks: diskCells(disks),
    diskBars: disks.map(({ target, mountpath, state, usedPercent }) => ({
      target,
      mountpath,
      state,
      usedPercent,
    })),
    capacity: capacityCells(capacityRows({ atMs: Date.now(), targets })),
    nodeIds: reports.map((report) => report.id),
    adminActions,
  };
}

export async function bucketsAnswer(client: Client): Promise<BucketsAnswer> {
  return { buckets: bucketCells(await bucketRows(client, await client.listBuckets())) };
}

export async function objectsAnswer(
  client: Client,
  query: URLSearchParams,
): Promise<ObjectsAnswer> {
  const uri = query.get('bucket') ?? '';
  const parsed = parseBucketUri(uri);
  if (parsed === undefined || parsed.objectName !== '')
    throw badRequest(`console: "bucket" must name a bucket (ais://NAME), got "${uri}"`);
  const request: ListObjectsRequestJson = { props: 'name,size', pagesize: objectsPerPage };
  for (const key of ['prefix', 'continuation_token', 'uuid'] as const) {
    const value = query.get(key);
    if (value !== null && value !== '') request[key] = value;
  }
  const page = await client.listObjectsPage(parsed.bucket, request);
  return {
    bucket: uri,
    objects: {
      columns: [{ header: 'NAME' }, { header: 'SIZE', alignRight: true }],
      rows: page.entries.map((entry) => entryRow(entry, [])),
    },
    next: page.continuation_token,
    uuid: page.uuid,
  };
}

export async function jobsAnswer(client: Client, adminActions: boolean): Promise<JobsAnswer> {
  const rows = await jobRows(client, {});
  return {
    jobs: jobCells(rows),
    progress: rows.map(({ id, state, targets, targetsDone }) => ({
      id,
      state,
      targets,
      targetsDone,
    })),
    adminActions,
  };
}

export async function performanceAnswer(
  client: Client,
  history: PerformanceHistory,
): Promise<PerformanceAnswer> {
  const targets = await client.cluster.performance();
  const rows = history.add({ atMs: Date.now(), targets });
  return {
    throughput: rows === undefined ? null : throughputCells(rows.throughput),
    latency: rows === undefined ? null : latencyCells(rows.latency),
    history: [...history.points],
  };
}

export async function logAnswer(client: Client, query: URLSearchParams): Promise<LogAnswer> {
  const node = query.get('node') ?? '';
  if (node === '') throw badRequest('console: missing "node" (a node ID)');
  const severity = query.get('severity') ?? 'info';
  if (severity !== 'info' && severity !== 'error')
    throw badRequest(`console: "severity" is info or error, got "${severity}"`);
  const text = await client.cluster.nodeLog(node, { severity });
  const lines = text.split('\n').filter((line) => line !== '');
  return { node, lines: lines.slice(-logLines) };
}

/** The CLI's admin actions (`job stop`, `cluster maintenance start|stop`, `cluster decommission`) by route name. */
const actions: Record<string, (client: Client, query: URLSearchParams) => Promise<string>> = {
  'jobs/stop': async (client, query) => {
    const id = required(query, 'id');
    await client.jobs.stop({ id });
    return `asked job ${id} to stop`;
  },
  'nodes/maintenance': async (client, query) => {
    const node = required(query, 'node');
    await client.cluster.startMaintenance(node);
    return `${node} is going into maintenance`;
  },
  'nodes/activate': async (client, query) => {
    const node = required(query, 'node');
    await client.cluster.stopMaintenance(node);
    return `${node} is back from maintenance`;
  },
  'nodes/decommission': async (client, query) => {
    const node = required(query, 'node');
    await client.cluster.decommission(node);
    return `${node} is being decommissioned`;
  },
};

export function isAction(name: string): boolean {
  return Object.hasOwn(actions, name);
}

export async function actionAnswer(
  client: Client,
  name: string,
  query: URLSearchParams,
): Promise<ActionAnswer> {
  const action = Object.hasOwn(actions, name) ? actions[name] : undefined;
  if (action === undefined) throw badRequest(`console: no action "${name}"`);
  return { done: await action(client, query) };
}

function required(query: URLSearchParams, name: string): string {
  const value = query.get(name) ?? '';
  if (value === '') throw badRequest(`console: missing "${name}"`);
  return value;
}
