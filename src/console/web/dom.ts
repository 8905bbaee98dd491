// The console's DOM helpers: elements from a tag, attributes and children; a table from the CLI's
// cells; a percentage bar.
import type { Cells } from './console-json.js';

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A column the console adds to the CLI's: its header and each row's cell. */
export interface ExtraColumn {
  header: string;
  cell: (index: number, row: string[]) => Node;
}

/** A table of the CLI's cells; `link` turns a row's first cell into a link; `extras` add columns. */
export function cellsTable(
  id: string,
  cells: Cells,
  options: { link?: (row: string[]) => string; extras?: ExtraColumn[] } = {},
): HTMLTableElement {
  const { link, extras = [] } = options;
  const headers = cells.columns.map((column) =>
    el('th', column.alignRight === true ? { class: 'num' } : {}, column.header),
  );
  for (const extra of extras) headers.push(el('th', {}, extra.header));
  const rows = cells.rows.map((row, index) => {
    const tds = row.map((cell, column) => {
      const content =
        column === 0 && link !== undefined ? el('a', { href: link(row) }, cell) : cell;
      return el('td', cells.columns[column]?.alignRight === true ? { class: 'num' } : {}, content);
    });
    for (const extra of extras) tds.push(el('td', {}, extra.cell(index, row)));
    return el('tr', {}, ...tds);
  });
  return el('table', { id }, el('thead', {}, el('tr', {}, ...headers)), el('tbody', {}, ...rows));
}

/** A button that runs `action` when clicked. */
export function button(label: string, action: () => void): HTMLButtonElement {
  const element = el('button', { type: 'button' }, label);
  element.addEventListener('click', action);
  return element;
}

/** A bar filled to `percent` (0..100), classed by `state` (faulty, finished, ...) for its color. */
export function bar(percent: number, state: string, title: string): HTMLElement {
  const fill = el('div');
  fill.style.width = `${Math.max(0, Math.min(100, percent))}%`;
  return el('div', { class: `bar ${state}`, title }, fill);
}
