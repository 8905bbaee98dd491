// Structured logger: one JSON line per event (on stderr unless told otherwise); cheap when a level
// is off.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const levelRank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export function createLogger(
  base: Record<string, unknown>,
  minimum: LogLevel = 'info',
  write: (line: string, level: LogLevel) => void = (line) => process.stderr.write(line),
): Logger {
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (levelRank[level] < levelRank[minimum]) return;
    const record = { time: new Date().toISOString(), level, message, ...base, ...fields };
    write(
      `${JSON.stringify(record, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value instanceof Error ? value.message : value))}\n`,
      level,
    );
  };
  return {
    debug: (message, fields) => emit('debug', message, fields),
    info: (message, fields) => emit('info', message, fields),
    warn: (message, fields) => emit('warn', message, fields),
    error: (message, fields) => emit('error', message, fields),
    child: (fields) => createLogger({ ...base, ...fields }, minimum, write),
  };
}
