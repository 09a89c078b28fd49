// The command line: which command, its flags and arguments, or a help text. node:util parseArgs
// with the global flags accepted anywhere, every flag checked strictly against the command's.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT_CODES, UsageError } from './errors.js';

export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandSpec {
  /** The command words, e.g. ['replay', 'start']. */
  path: readonly string[];
  /** The arguments after the command words, as shown in usage, e.g. '<id>'. */
  args: string;
  summary: string;
  /** The command's flags (the global ones come on top). */
  options: OptionSpecs;
  /** Each flag as shown, and what it does, for --help. */
  optionHelp: readonly (readonly [string, string])[];
  /** How many positional arguments it takes. */
  positionals: { min: number; max: number };
  /** More text for --help: examples, rules. */
  details?: string;
}

export const GLOBAL_OPTIONS = {
  key: { type: 'string' },
  'publisher-url': { type: 'string' },
  'router-url': { type: 'string' },
  'replay-url': { type: 'string' },
  'registry-url': { type: 'string' },
  kafka: { type: 'string' },
  'signing-keys': { type: 'string' },
  config: { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionSpecs;

export const GLOBAL_HELP = `Global flags (flags > environment > config file > defaults):
  --key KEY              API key hk_<id>_<secret> (HERALD_KEY)
  --publisher-url URL    publisher (HERALD_PUBLISHER_URL, default http://localhost:8080)
  --router-url URL       router (HERALD_ROUTER_URL, default http://localhost:8082)
  --replay-url URL       replay service (HERALD_REPLAY_URL, default http://localhost:8083)
  --registry-url URL     schema registry, for tail (HERALD_REGISTRY_URL, default http://localhost:8081)
  --kafka BROKERS        host:port,… for tail (HERALD_KAFKA_BROKERS, default localhost:9092)
  --signing-keys JSON    {"<key id>": "<base64 secret>"}, to verify events in tail (HERALD_SIGNING_KEYS)
  --config FILE          JSON file with the settings above by flag name
                         (HERALD_CONFIG, default ~/.config/herald/config.json)
  -o, --output FORMAT    pretty (default) or json (HERALD_OUTPUT)
  -h, --help             help for any command`;

export const EXIT_HELP = `Exit codes:
  ${EXIT_CODES.ok}    ok
  ${EXIT_CODES.api}    the API reported a failure (problem code and detail on stderr)
  ${EXIT_CODES.usage}    usage error: bad flags or arguments, unreadable file or config
  ${EXIT_CODES.unreachable}    cannot connect to a service or to Kafka
  ${EXIT_CODES.job_failed}    a watched replay ended failed or cancelled
  ${EXIT_CODES.interrupted}  interrupted (Ctrl-C)`;

export type ParsedCommandLine =
  | { kind: 'help'; text: string }
  | { kind: 'run'; command: CommandSpec; values: OptionValues; positionals: string[] };

const name = (command: CommandSpec) => command.path.join(' ');

export function topLevelHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => `${name(c)} ${c.args}`.length));
  const lines = commands.map((c) => `  ${`${name(c)} ${c.args}`.padEnd(width)}  ${c.summary}`);
  return `Usage: herald <command> [flags]

Herald from the command line: publish and tail events, manage event types and subscriptions,
run replays with live progress, rewind consumer groups.

Commands:
${lines.join('\n')}

Run "herald <command> --help" for a command's flags.

${GLOBAL_HELP}

${EXIT_HELP}
`;
}

export function commandHelp(command: CommandSpec): string {
  const width = Math.max(0, ...command.optionHelp.map(([flag]) => flag.length));
  const flags = command.optionHelp.length > 0 ? `\nFlags:\n${command.optionHelp.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`).join('\n')}\n` : '';
  const details = command.details ? `\n${command.details.trimEnd()}\n` : '';
  return `Usage: herald ${name(command)} ${command.args}${command.args ? ' ' : ''}[flags]

${command.summary}
${flags}${details}
${GLOBAL_HELP}

${EXIT_HELP}
`;
}

function groupHelp(group: string, commands: readonly CommandSpec[]): string {
  const members = commands.filter((c) => c.path[0] === group);
  const width = Math.max(...members.map((c) => `${name(c)} ${c.args}`.length));
  return `Usage: herald ${group} <command> [flags]

Commands:
${members.map((c) => `  ${`${name(c)} ${c.args}`.padEnd(width)}  ${c.summary}`).join('\n')}

Run "herald ${group} <command> --help" for a command's flags.
`;
}

/** Every flag any command knows, strings repeatable: enough to find the command words. */
function everyOption(commands: readonly CommandSpec[]): OptionSpecs {
  const all: OptionSpecs = {};
  for (const spec of [GLOBAL_OPTIONS, ...commands.map((c) => c.options)]) {
    for (const [flag, option] of Object.entries(spec)) all[flag] = option.type === 'string' ? { ...option, multiple: true } : { ...option, multiple: false };
  }
  return all;
}

function usage(message: string, command?: CommandSpec): never {
  const hint = command ? `herald ${name(command)} --help` : 'herald --help';
  throw new UsageError(`${message}\nRun "${hint}" for usage.`);
}

/** Parses argv (without node and the script) into a command to run, or a help text to print. */
export function parseCommandLine(argv: readonly string[], commands: readonly CommandSpec[]): ParsedCommandLine {
  let loose;
  try {
    loose = parseArgs({ args: [...argv], options: everyOption(commands), strict: false, allowPositionals: true });
  } catch (error) {
    usage((error as Error).message);
  }
  const words = loose.positionals;
  const wantsHelp = loose.values.help === true;
  if (words.length === 0 || (words[0] === 'help' && words.length === 1)) {
    if (wantsHelp || words[0] === 'help') return { kind: 'help', text: topLevelHelp(commands) };
    usage('no command given');
  }
  const [first, second] = words as [string, string | undefined];
  const isGroup = commands.some((c) => c.path[0] === first && c.path.length === 2);
  const command = commands.find((c) => c.path[0] === first && (c.path.length === 1 || c.path[1] === second));
  if (!command) {
    if (!isGroup) usage(`unknown command "${first}"`);
    if (wantsHelp || second === undefined) {
      if (wantsHelp) return { kind: 'help', text: groupHelp(first, commands) };
      usage(`"herald ${first}" needs a command: ${commands.filter((c) => c.path[0] === first).map((c) => c.path[1]).join(', ')}`);
    }
    usage(`unknown command "${first} ${second}"`);
  }
  if (wantsHelp) return { kind: 'help', text: commandHelp(command) };

  let strict;
  try {
    strict = parseArgs({ args: [...argv], options: { ...GLOBAL_OPTIONS, ...command.options }, strict: true, allowPositionals: true, tokens: true });
  } catch (error) {
    usage((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''), command);
  }
  // The command words are the first positionals; the rest are the command's arguments.
  const positionals = strict.positionals.slice(command.path.length);
  const { min, max } = command.positionals;
  if (positionals.length < min || positionals.length > max) {
    const expected = min === max ? `${min}` : `${min} to ${max}`;
    usage(`expected ${expected} argument(s)${command.args ? ` (${command.args})` : ''}, got ${positionals.length}${positionals.length > 0 ? `: ${positionals.join(' ')}` : ''}`, command);
  }
  return { kind: 'run', command, values: strict.values as OptionValues, positionals };
}

// Typed readers of option values, with the usage errors a script author needs.

export function stringOption(values: OptionValues, flag: string): string | undefined {
  const value = values[flag];
  return typeof value === 'string' ? value : undefined;
}

export function listOption(values: OptionValues, flag: string): string[] {
  const value = values[flag];
  return Array.isArray(value) ? value : typeof value === 'string' ? [value] : [];
}

export function integerOption(values: OptionValues, flag: string, range: { min: number; max?: number }): number | undefined {
  const text = stringOption(values, flag);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || value < range.min || (range.max !== undefined && value > range.max)) {
    throw new UsageError(`--${flag} must be an integer ${range.max === undefined ? `≥ ${range.min}` : `from ${range.min} to ${range.max}`}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function numberOption(values: OptionValues, flag: string): number | undefined {
  const text = stringOption(values, flag);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) throw new UsageError(`--${flag} must be a number > 0, got ${JSON.stringify(text)}`);
  return value;
}
