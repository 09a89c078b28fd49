// The whole CLI as a function: argv and the outside world in, an exit code out. main.ts gives
// it the real process; tests give it fakes.
import { parseCommandLine } from './args.js';
import type { Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { EXIT_CODES, outcomeOf } from './errors.js';
import type { Io } from './io.js';
import { resolveSettings } from './settings.js';

export async function run(argv: readonly string[], io: Io, commands: readonly Command[] = COMMANDS): Promise<number> {
  try {
    const parsed = parseCommandLine(argv, commands);
    if (parsed.kind === 'help') {
      io.stdout.write(parsed.text);
      return EXIT_CODES.ok;
    }
    const settings = resolveSettings({ flags: parsed.values, env: io.env, readFile: io.readFile });
    const command = parsed.command as Command;
    const code = await command.run({ values: parsed.values, positionals: parsed.positionals, settings, io });
    // A command that stops cleanly on Ctrl-C (tail) still ends as interrupted, for scripts.
    return io.signal.aborted ? EXIT_CODES.interrupted : code;
  } catch (error) {
    if (io.signal.aborted) return EXIT_CODES.interrupted;
    const { exitCode, message } = outcomeOf(error);
    io.stderr.write(`herald: ${message}\n`);
    return exitCode;
  } finally {
    if (io.signal.aborted) io.stderr.write('herald: interrupted\n');
  }
}
