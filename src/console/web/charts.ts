// The performance view's live charts (uPlot): cluster-wide requests per second, bytes per second
// and mean latency over the gateway's history. Each chart is made once and fed new data on every
// refresh, so it does not flicker.
import uPlot from './uplot.js';
import type { PerformancePoint } from './console-json.js';
import { el } from './dom.js';

interface Line {
  label: string;
  stroke: string;
  value: (point: PerformancePoint) => number | null;
}

export interface Chart {
  readonly element: HTMLElement;
  update(points: readonly PerformancePoint[]): void;
}

function chart(id: string, title: string, lines: Line[]): Chart {
  const element = el('div', { class: 'chart', id });
  let plot: uPlot | undefined;
  return {
    element,
    update(points) {
      const data: uPlot.AlignedData = [
        points.map((point) => point.atMs / 1000),
        ...lines.map((line) => points.map(line.value)),
      ];
      if (plot !== undefined) return plot.setData(data);
      plot = new uPlot(
        {
          title,
          width: 520,
          height: 220,
          series: [{}, ...lines.map(({ label, stroke }) => ({ label, stroke, width: 2 }))],
          scales: {
            // One point would spread the time axis over years: show at least a minute.
            x: { time: true, range: (_plot, min, max) => [Math.min(min, max - 60), max] },
            y: { range: (_plot, _min, max) => [0, Math.max(1, max * 1.1)] },
          },
        },
        data,
        element,
      );
    },
  };
}

const mib = 1024 * 1024;

export const requestsChart = chart('requests-chart', 'Requests per second', [
  { label: 'GET/s', stroke: '#2563eb', value: (point) => point.getsPerSecond },
  { label: 'PUT/s', stroke: '#d97706', value: (point) => point.putsPerSecond },
]);

export const bytesChart = chart('bytes-chart', 'MiB per second', [
  { label: 'GET MiB/s', stroke: '#2563eb', value: (point) => point.getBytesPerSecond / mib },
  { label: 'PUT MiB/s', stroke: '#d97706', value: (point) => point.putBytesPerSecond / mib },
]);

export const latencyChart = chart('latency-chart', 'Mean latency (ms)', [
  { label: 'GET ms', stroke: '#2563eb', value: (point) => point.getMs },
  { label: 'PUT ms', stroke: '#d97706', value: (point) => point.putMs },
]);
