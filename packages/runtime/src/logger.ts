// Structured logging: one JSON object per line on stdout, with time, level, service and message,
// plus whatever fields the call site adds. Errors are expanded (name, message, code, stack, cause).

export const logLevels = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];
const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  readonly level: LogLevel;
}

export interface LoggerOptions {
  service: string;
  level?: LogLevel;
  /** Where lines go; stdout by default. */
  write?: (line: string) => void;
}

function serializeError(err: Error, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message };
  const extra = err as Error & { code?: unknown; type?: unknown; retriable?: unknown };
  if (extra.code !== undefined) out.code = extra.code;
  if (extra.type !== undefined) out.type = extra.type;
  if (extra.retriable !== undefined) out.retriable = extra.retriable;
  if (err.stack) out.stack = err.stack;
  if (err.cause instanceof Error && depth < 3) out.cause = serializeError(err.cause, depth + 1);
  return out;
}

function toJson(record: Record<string, unknown>): string {
  return JSON.stringify(record, (_key, value: unknown) => {
    if (value instanceof Error) return serializeError(value);
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? 'info';
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const make = (bound: LogFields): Logger => {
    const emit = (at: Exclude<LogLevel, 'silent'>, msg: string, fields?: LogFields) => {
      if (rank[at] < rank[level]) return;
      write(toJson({ time: new Date().toISOString(), level: at, service: options.service, msg, ...bound, ...fields }));
    };
    return {
      level,
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make({});
}
