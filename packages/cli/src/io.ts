// What a command touches of the outside world besides the network: the streams, the
// environment, files, and Ctrl-C. main.ts gives the real ones; tests give fakes.
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

export interface Output {
  write(text: string): unknown;
  /** A terminal: progress is drawn in place rather than printed line by line. */
  isTTY?: boolean;
  columns?: number;
}

export interface Io {
  stdout: Output;
  stderr: Output;
  stdin: AsyncIterable<Buffer | string> & { isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  readFile(path: string): string;
  /** Aborted on Ctrl-C: commands stop what they follow and clean up. */
  signal: AbortSignal;
}

/** A JSON argument: inline text, or `@path` for a file's content (`@-` is not supported: use stdin). */
export function readJsonArgument(flag: string, value: string, readFile: (path: string) => string = (path) => readFileSync(path, 'utf8')): unknown {
  let text = value;
  let where = `--${flag}`;
  if (value.startsWith('@')) {
    const path = value.slice(1);
    where = `--${flag} ${value}`;
    try {
      text = readFile(path);
    } catch (error) {
      throw new UsageError(`${where}: cannot read ${path}: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where} is not JSON: ${(error as Error).message}`);
  }
}

/** A JSON object argument (a declaration, a pattern). */
export function readJsonObject(flag: string, value: string, readFile?: (path: string) => string): Record<string, unknown> {
  const parsed = readJsonArgument(flag, value, readFile);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`--${flag} must be a JSON object`);
  return parsed as Record<string, unknown>;
}

/** Lines of a stream, as they arrive (the last one even without a newline). */
export async function* lines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const chunk of input) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = buffered.indexOf('\n')) >= 0) {
      yield buffered.slice(0, newline).replace(/\r$/, '');
      buffered = buffered.slice(newline + 1);
    }
  }
  buffered += decoder.decode();
  if (buffered !== '') yield buffered.replace(/\r$/, '');
}
