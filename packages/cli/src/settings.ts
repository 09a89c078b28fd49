// Where the services are and who calls them: flags > environment > config file > defaults,
// resolved once before a command runs; a command receives the settings, never the sources.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors.js';

export const OUTPUT_FORMATS = ['pretty', 'json'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Settings {
  key: string | undefined;
  publisherUrl: string;
  routerUrl: string;
  replayUrl: string;
  registryUrl: string;
  kafkaBrokers: string[];
  /** JSON `{"<key id>": "<base64 secret>"}`: the keys events are verified with (`tail`). */
  signingKeys: string | undefined;
  output: OutputFormat;
}

/** Each setting by its flag name (also its name in the config file) and its environment variable. */
export const SETTINGS = {
  key: { flag: 'key', env: 'HERALD_KEY' },
  publisherUrl: { flag: 'publisher-url', env: 'HERALD_PUBLISHER_URL', default: 'http://localhost:8080' },
  routerUrl: { flag: 'router-url', env: 'HERALD_ROUTER_URL', default: 'http://localhost:8082' },
  replayUrl: { flag: 'replay-url', env: 'HERALD_REPLAY_URL', default: 'http://localhost:8083' },
  registryUrl: { flag: 'registry-url', env: 'HERALD_REGISTRY_URL', default: 'http://localhost:8081' },
  kafkaBrokers: { flag: 'kafka', env: 'HERALD_KAFKA_BROKERS', default: 'localhost:9092' },
  signingKeys: { flag: 'signing-keys', env: 'HERALD_SIGNING_KEYS' },
  output: { flag: 'output', env: 'HERALD_OUTPUT', default: 'pretty' },
} as const satisfies Record<keyof Settings, { flag: string; env: string; default?: string }>;

export type SettingName = keyof typeof SETTINGS;

export function defaultConfigPath(home: string = homedir()): string {
  return join(home, '.config', 'herald', 'config.json');
}

export interface SettingSources {
  /** Flag values by flag name, as parsed. */
  flags: Readonly<Record<string, unknown>>;
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a file; default readFileSync (injected for tests). */
  readFile?: (path: string) => string;
  home?: string;
}

/** The config file's values by flag name; `{}` when the default file does not exist. */
export function readConfigFile(sources: SettingSources): Record<string, string> {
  const explicit = (sources.flags.config as string | undefined) ?? (sources.env.HERALD_CONFIG || undefined);
  const path = explicit ?? defaultConfigPath(sources.home);
  const readFile = sources.readFile ?? ((file: string) => readFileSync(file, 'utf8'));
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    // Only a file someone named must exist.
    if (explicit === undefined && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new UsageError(`cannot read the config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`the config file ${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new UsageError(`the config file ${path} must hold a JSON object`);
  const known = new Map<string, string>(Object.values(SETTINGS).map((s) => [s.flag, s.flag]));
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (!known.has(name)) throw new UsageError(`the config file ${path}: unknown setting "${name}" (known: ${[...known.keys()].join(', ')})`);
    // Brokers may be a list, signing keys an object: both are kept in their flag's text form.
    if (name === 'kafka' && Array.isArray(value) && value.every((v) => typeof v === 'string')) values[name] = value.join(',');
    else if (name === 'signing-keys' && typeof value === 'object' && value !== null) values[name] = JSON.stringify(value);
    else if (typeof value === 'string') values[name] = value;
    else throw new UsageError(`the config file ${path}: "${name}" must be a string`);
  }
  return values;
}

function checkUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  return value;
}

/** Every setting from its first source that has it: flag, environment, config file, default. */
export function resolveSettings(sources: SettingSources): Settings {
  const file = readConfigFile(sources);
  const pick = (name: SettingName): string | undefined => {
    const spec: { flag: string; env: string; default?: string } = SETTINGS[name];
    const flag = sources.flags[spec.flag];
    if (typeof flag === 'string') return flag;
    const env = sources.env[spec.env];
    if (env !== undefined && env !== '') return env;
    return file[spec.flag] ?? spec.default;
  };
  const output = pick('output')!;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(output)) throw new UsageError(`--output must be one of ${OUTPUT_FORMATS.join(', ')}, got ${JSON.stringify(output)}`);
  const brokers = pick('kafkaBrokers')!
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) throw new UsageError('--kafka must name at least one broker host:port');
  return {
    key: pick('key'),
    publisherUrl: checkUrl('publisher-url', pick('publisherUrl')!),
    routerUrl: checkUrl('router-url', pick('routerUrl')!),
    replayUrl: checkUrl('replay-url', pick('replayUrl')!),
    registryUrl: checkUrl('registry-url', pick('registryUrl')!),
    kafkaBrokers: brokers,
    signingKeys: pick('signingKeys'),
    output: output as OutputFormat,
  };
}

/** The API key, which every command that calls a service needs. */
export function requireKey(settings: Settings): string {
  if (settings.key === undefined || settings.key === '') throw new UsageError('no API key: give --key, set HERALD_KEY, or put "key" in the config file');
  return settings.key;
}
