// A command: its spec (words, flags, help) and what it does with the parsed line.
import type { CommandSpec, OptionValues } from './args.js';
import type { Io } from './io.js';
import type { Settings } from './settings.js';

export interface CommandContext {
  values: OptionValues;
  positionals: string[];
  settings: Settings;
  io: Io;
}

export interface Command extends CommandSpec {
  /** Resolves with the exit code; throws for failures (mapped by errors.ts). */
  run(context: CommandContext): Promise<number>;
}

/** Prints a result: as one JSON line (--output json) or as the pretty text. */
export function print(context: CommandContext, json: unknown, pretty: () => string): void {
  const { io, settings } = context;
  io.stdout.write(settings.output === 'json' ? `${JSON.stringify(json)}\n` : pretty());
}
