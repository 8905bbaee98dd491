// Plain-text tables for human output: columns padded to their widest cell, two spaces apart.

/** A column: its header and whether cells are right-aligned (numbers, sizes). */
export interface Column {
  header: string;
  alignRight?: boolean;
}

/**
 * A table before it is laid out: the CLI pads it into lines ({@link tableLines}), the web console
 * renders the same cells as HTML, so both show the same figures.
 */
export interface TableCells {
  columns: Column[];
  rows: string[][];
}

/** The lines of a table (header first). */
export function tableLines(table: TableCells): string[] {
  return formatTable(table.columns, table.rows);
}

/** Formats rows under headers; returns the lines without trailing spaces. */
export function formatTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = columnWidths(columns, rows);
  return [columns.map((column) => column.header), ...rows].map((row) =>
    formatRow(columns, widths, row),
  );
}

/** Widest cell (or header) of each column. */
export function columnWidths(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
  minimum: readonly number[] = [],
): number[] {
  return columns.map((column, index) =>
    Math.max(
      minimum[index] ?? 0,
      column.header.length,
      ...rows.map((row) => (row[index] ?? '').length),
    ),
  );
}

/** One line of a table with the given widths. */
export function formatRow(
  columns: readonly Column[],
  widths: readonly number[],
  row: readonly string[],
): string {
  const cells = columns.map((column, index) => {
    const cell = row[index] ?? '';
    const width = widths[index] ?? cell.length;
    return column.alignRight === true ? cell.padStart(width) : cell.padEnd(width);
  });
  return cells.join('  ').trimEnd();
}

/**
 * Prints rows as they come (one listing page at a time) while keeping columns aligned: widths only
 * grow, so a later page with longer names shifts the columns right rather than breaking them.
 */
export class StreamingTable {
  readonly #columns: readonly Column[];
  readonly #write: (line: string) => void;
  #widths: number[] = [];
  #headerWritten = false;

  constructor(columns: readonly Column[], write: (line: string) => void) {
    this.#columns = columns;
    this.#write = write;
  }

  /** Writes the header (once) and the rows. */
  add(rows: readonly (readonly string[])[]): void {
    this.#widths = columnWidths(this.#columns, rows, this.#widths);
    if (!this.#headerWritten) {
      this.#write(
        formatRow(
          this.#columns,
          this.#widths,
          this.#columns.map((column) => column.header),
        ),
      );
      this.#headerWritten = true;
    }
    for (const row of rows) this.#write(formatRow(this.#columns, this.#widths, row));
  }
}
