// The console's views, one per hash route (#cluster, #buckets, #bucket/URI, #jobs, #performance,
// #log/NODE): each reads its JSON and returns what to show; `refreshMs` says how often it is redrawn
// (buckets rarely: every refresh runs a summary job per bucket).
import { getJson, postAction, savedToken } from './api.js';
import { bytesChart, latencyChart, requestsChart } from './charts.js';
import type {
  BucketsAnswer,
  ClusterAnswer,
  JobsAnswer,
  LogAnswer,
  ObjectsAnswer,
  PerformanceAnswer,
} from './console-json.js';
import { bar, button, cellsTable, el, type ExtraColumn } from './dom.js';

export interface View {
  refreshMs: number;
  /** `argument`: what follows the view's name in the hash; `redraw` shows the view again now. */
  render(argument: string, redraw: () => void, report: (text: string) => void): Promise<Node[]>;
}

/**
 * The admin actions' column: only when the cluster has auth on and the user gave a token (the
 * gateway still checks the token's rights). Each action reports its outcome and redraws.
 */
function actionsColumn(
  offered: boolean,
  redraw: () => void,
  report: (text: string) => void,
  buttonsOf: (row: string[]) => [label: string, route: string, query: Record<string, string>][],
): ExtraColumn[] {
  if (!offered || savedToken() === '') return [];
  const run = (route: string, query: Record<string, string>): void => {
    // Decommissioning cannot be undone from here: the node leaves the cluster for good.
    const question = `Decommission ${query['node'] ?? ''}? Its objects move to the other targets and it leaves the cluster.`;
    if (route === 'nodes/decommission' && !confirm(question)) return;
    void postAction(route, query).then(
      (answer) => {
        report(answer.done);
        redraw();
      },
      (error: unknown) =>
        report(`failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  };
  return [
    {
      header: 'ACTIONS',
      cell: (_index, row) =>
        el(
          'span',
          { class: 'actions' },
          ...buttonsOf(row).map(([label, route, query]) => button(label, () => run(route, query))),
        ),
    },
  ];
}

const cluster: View = {
  refreshMs: 3000,
  async render(_argument, redraw, report) {
    const answer = await getJson<ClusterAnswer>('cluster');
    // `show cluster`'s cells: ID, ROLE, PUBLIC URL, STATE, ...
    const nodeActions = actionsColumn(answer.adminActions, redraw, report, (row) => {
      const node = { node: row[0] ?? '' };
      if (row[3] === 'maintenance') return [['Activate', 'nodes/activate', node]];
      if (row[3] !== 'online' || row[1]?.includes('primary') === true) return [];
      return [
        ['Maintenance', 'nodes/maintenance', node],
        ['Decommission', 'nodes/decommission', node],
      ];
    });
    const diskBar = (index: number): Node => {
      const disk = answer.diskBars[index];
      return disk === undefined
        ? el('span')
        : bar(disk.usedPercent, disk.state, `${disk.usedPercent}% used`);
    };
    return [
      el(
        'p',
        { id: 'cluster-line' },
        `Cluster ${answer.uuid}, map version ${answer.version}, primary ${answer.primary}`,
      ),
      el('h2', {}, 'Nodes'),
      cellsTable('nodes', answer.nodes, {
        link: (row) => `#log/${encodeURIComponent(row[0] ?? '')}`,
        extras: nodeActions,
      }),
      el('h2', {}, 'Disks'),
      cellsTable('disks', answer.disks, { extras: [{ header: 'CAPACITY', cell: diskBar }] }),
      el('h2', {}, 'Capacity per target'),
      cellsTable('capacity', answer.capacity),
    ];
  },
};

const buckets: View = {
  refreshMs: 15_000,
  async render() {
    const answer = await getJson<BucketsAnswer>('buckets');
    return [
      el('h2', {}, 'Buckets'),
      answer.buckets.rows.length === 0
        ? el('p', {}, 'no buckets')
        : cellsTable('buckets', answer.buckets, {
            link: (row) => `#bucket/${encodeURIComponent(row[0] ?? '')}`,
          }),
    ];
  },
};

/** Where the object listing is: the bucket and the page (continuation token and session). */
const listing = { bucket: '', token: '', uuid: '' };

const bucket: View = {
  refreshMs: 0,
  async render(uri, redraw) {
    if (listing.bucket !== uri) Object.assign(listing, { bucket: uri, token: '', uuid: '' });
    const answer = await getJson<ObjectsAnswer>('objects', {
      bucket: uri,
      continuation_token: listing.token,
      uuid: listing.uuid,
    });
    const pager = el('div', { class: 'pager' });
    if (listing.token !== '') {
      const first = el('button', { type: 'button' }, 'First page');
      first.addEventListener('click', () => {
        Object.assign(listing, { token: '', uuid: '' });
        redraw();
      });
      pager.append(first);
    }
    if (answer.next !== '') {
      const next = el('button', { type: 'button', id: 'next-page' }, 'Next page');
      next.addEventListener('click', () => {
        Object.assign(listing, { token: answer.next, uuid: answer.uuid });
        redraw();
      });
      pager.append(next);
    }
    return [
      el('h2', {}, `Objects of ${answer.bucket}`),
      answer.objects.rows.length === 0
        ? el('p', {}, 'no objects')
        : cellsTable('objects', answer.objects),
      pager,
    ];
  },
};

const jobs: View = {
  refreshMs: 2000,
  async render(_argument, redraw, report) {
    const answer = await getJson<JobsAnswer>('jobs');
    // `show job`'s cells: ID, KIND, STATE, ...
    const stop = actionsColumn(answer.adminActions, redraw, report, (row) =>
      row[2] === 'running' ? [['Stop', 'jobs/stop', { id: row[0] ?? '' }]] : [],
    );
    const progress = (index: number): Node => {
      const job = answer.progress[index];
      if (job === undefined) return el('span');
      const percent = job.targets === 0 ? 100 : (job.targetsDone * 100) / job.targets;
      return bar(percent, job.state, `${job.targetsDone} of ${job.targets} targets done`);
    };
    return [
      el('h2', {}, 'Jobs'),
      answer.jobs.rows.length === 0
        ? el('p', {}, 'no jobs')
        : cellsTable('jobs', answer.jobs, {
            extras: [{ header: 'PROGRESS', cell: progress }, ...stop],
          }),
    ];
  },
};

const performance: View = {
  refreshMs: 2000,
  async render() {
    const answer = await getJson<PerformanceAnswer>('performance');
    const charts = [requestsChart, bytesChart, latencyChart];
    for (const chart of charts) chart.update(answer.history);
    const measuring = el('p', {}, 'measuring: the first interval ends at the next refresh');
    return [
      el('h2', {}, 'Cluster throughput and latency'),
      el('div', { class: 'charts' }, ...charts.map((chart) => chart.element)),
      el('h2', {}, 'Throughput per target'),
      answer.throughput === null ? measuring : cellsTable('throughput', answer.throughput),
      el('h2', {}, 'Latency per target'),
      answer.latency === null ? measuring.cloneNode(true) : cellsTable('latency', answer.latency),
    ];
  },
};

const log: View = {
  refreshMs: 5000,
  async render(node) {
    if (node === '') {
      const answer = await getJson<ClusterAnswer>('cluster');
      return [
        el('h2', {}, 'Logs'),
        el(
          'ul',
          {},
          ...answer.nodeIds.map((id) =>
            el('li', {}, el('a', { href: `#log/${encodeURIComponent(id)}` }, id)),
          ),
        ),
      ];
    }
    const answer = await getJson<LogAnswer>('log', { node });
    return [
      el('h2', {}, `Log of ${answer.node}`),
      el('pre', { class: 'log' }, answer.lines.join('\n')),
    ];
  },
};

export const views: Record<string, View> = { cluster, buckets, bucket, jobs, performance, log };
