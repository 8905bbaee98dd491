// The suite's output: rows of subject vs yardstick measured in the same run, printed as a table
// with the ratio column, and saved as JSON under bench/out/ for bench/RESULTS.md.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { formatTable } from '../../src/cli/table.js';

export interface ResultRow {
  /** What was measured, e.g. `GET 1MiB (wrk)`. */
  workload: string;
  subject: string;
  yardstick: string;
  unit: string;
  /** Undefined when the subject could not run (`note` says why). */
  subjectValue: number | undefined;
  yardstickValue: number | undefined;
  /** The goal for subject / yardstick, e.g. 0.7. */
  goal?: number;
  note?: string;
}

export const outputDir = fileURLToPath(new URL('../../../bench/out/', import.meta.url));

function formatValue(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

export function ratioOf(row: ResultRow): number | undefined {
  const { subjectValue, yardstickValue } = row;
  if (subjectValue === undefined || yardstickValue === undefined || yardstickValue === 0)
    return undefined;
  return subjectValue / yardstickValue;
}

export function formatRows(rows: readonly ResultRow[]): string[] {
  const columns = [
    { header: 'WORKLOAD' },
    { header: 'SUBJECT' },
    { header: 'VALUE', alignRight: true },
    { header: 'YARDSTICK' },
    { header: 'VALUE', alignRight: true },
    { header: 'UNIT' },
    { header: 'RATIO', alignRight: true },
    { header: 'GOAL', alignRight: true },
    { header: 'NOTE' },
  ];
  const cells = rows.map((row) => {
    const ratio = ratioOf(row);
    const goal = row.goal === undefined ? '' : `>=${row.goal.toFixed(2)}`;
    const verdict =
      ratio === undefined || row.goal === undefined ? '' : ratio >= row.goal ? ' ok' : ' SHORT';
    return [
      row.workload,
      row.subject,
      formatValue(row.subjectValue),
      row.yardstick,
      formatValue(row.yardstickValue),
      row.unit,
      ratio === undefined ? '-' : ratio.toFixed(2),
      `${goal}${verdict}`,
      row.note ?? '',
    ];
  });
  return formatTable(columns, cells);
}

/** Prints the table under a title and saves the rows as bench/out/<name>.json. */
export async function publish(
  name: string,
  title: string,
  rows: readonly ResultRow[],
): Promise<void> {
  process.stdout.write(`\n== ${title}\n${formatRows(rows).join('\n')}\n`);
  await mkdir(outputDir, { recursive: true });
  const saved = rows.map((row) => ({ ...row, ratio: ratioOf(row) }));
  await writeFile(
    `${outputDir}${name}.json`,
    `${JSON.stringify({ title, date: new Date().toISOString(), rows: saved }, null, 2)}\n`,
  );
}
