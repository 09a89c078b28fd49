// Config is read from the environment once, at start, into a typed object. Every problem
// (a malformed value, a missing required value, a variable nobody knows) is collected and
// reported together, each naming its variable, so a misconfigured service stops at once
// with a message that says what to fix.

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
  readonly retriable = false;
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
}

export interface Setting<T> {
  /** The environment variable, e.g. HERALD_KAFKA_BROKERS. */
  env: string;
  doc: string;
  /** What a valid value looks like, for messages and docs. */
  expects: string;
  /** Returned when the variable is unset; `undefined` for optional settings. */
  fallback: () => T;
  required: boolean;
  secret: boolean;
  parse(raw: string): T;
}

interface Common<T> {
  env: string;
  doc: string;
  default?: T;
  secret?: boolean;
}

type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

function define<T>(options: Common<T> & { required?: boolean }, expects: string, parse: (raw: string) => ParseResult<T>): Setting<T> {
  return {
    env: options.env,
    doc: options.doc,
    expects,
    required: options.required ?? options.default === undefined,
    secret: options.secret ?? false,
    fallback: () => options.default as T,
    parse(raw) {
      const result = parse(raw);
      if (!result.ok) throw new Error(result.reason);
      return result.value;
    },
  };
}

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = (reason: string): ParseResult<never> => ({ ok: false, reason });

/** Builders for settings. A setting without a default is required unless declared `optional`. */
export const setting = {
  string(options: Common<string> & { pattern?: RegExp; minLength?: number }) {
    return define(options, options.pattern ? `a string matching ${options.pattern}` : 'a string', (raw) => {
      if (raw.length < (options.minLength ?? 1)) return fail(`must be at least ${options.minLength ?? 1} characters`);
      if (options.pattern && !options.pattern.test(raw)) return fail(`must match ${options.pattern}`);
      return ok(raw);
    });
  },

  optionalString(options: Omit<Common<string>, 'default'>) {
    return define<string | undefined>({ ...options, required: false }, 'a string', (raw) => (raw.length > 0 ? ok(raw) : fail('must not be empty')));
  },

  int(options: Common<number> & { min?: number; max?: number }) {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    return define(options, `an integer from ${min} to ${max}`, (raw) => {
      if (!/^-?\d+$/.test(raw.trim())) return fail(`must be an integer, got '${raw}'`);
      const value = Number(raw);
      if (value < min || value > max) return fail(`must be from ${min} to ${max}, got ${value}`);
      return ok(value);
    });
  },

  port(options: Common<number>) {
    return setting.int({ ...options, min: 0, max: 65535 });
  },

  bool(options: Common<boolean>) {
    return define(options, 'true or false', (raw) => {
      const v = raw.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(v)) return ok(true);
      if (['false', '0', 'no'].includes(v)) return ok(false);
      return fail(`must be true or false, got '${raw}'`);
    });
  },

  oneOf<const V extends string>(options: Common<V> & { values: readonly V[] }) {
    return define(options, `one of ${options.values.join(', ')}`, (raw) =>
      (options.values as readonly string[]).includes(raw) ? ok(raw as V) : fail(`must be one of ${options.values.join(', ')}, got '${raw}'`),
    );
  },

  optionalOneOf<const V extends string>(options: Omit<Common<V>, 'default'> & { values: readonly V[] }) {
    return define<V | undefined>({ ...options, required: false }, `one of ${options.values.join(', ')}`, (raw) =>
      (options.values as readonly string[]).includes(raw) ? ok(raw as V) : fail(`must be one of ${options.values.join(', ')}, got '${raw}'`),
    );
  },

  url(options: Common<string> & { protocols?: string[] }) {
    const protocols = options.protocols ?? ['http:', 'https:'];
    return define(options, `a URL (${protocols.join(' or ')})`, (raw) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        return fail(`must be a URL, got '${raw}'`);
      }
      if (!protocols.includes(url.protocol)) return fail(`must be a ${protocols.join(' or ')} URL, got '${raw}'`);
      return ok(raw.replace(/\/+$/, ''));
    });
  },

  /** Comma-separated; empty items are errors. */
  list(options: Common<string[]> & { item?: RegExp; itemDoc?: string }) {
    return define(options, `a comma-separated list${options.itemDoc ? ` of ${options.itemDoc}` : ''}`, (raw) => {
      const items = raw.split(',').map((s) => s.trim());
      if (items.some((s) => s.length === 0)) return fail(`must be a comma-separated list without empty items, got '${raw}'`);
      const bad = options.item ? items.filter((s) => !options.item!.test(s)) : [];
      if (bad.length > 0) return fail(`has invalid item(s) ${bad.map((b) => `'${b}'`).join(', ')}: each must be ${options.itemDoc ?? `matching ${options.item}`}`);
      return ok(items);
    });
  },
};

export type ConfigSpec = Record<string, Setting<unknown>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends Setting<infer T> ? T : never };

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /**
   * Prefixes this service owns: a set variable under one of them that the spec does not
   * declare is an error (a typo must not silently fall back to a default).
   */
  ownedPrefixes: string[];
  /**
   * More specific prefixes owned by other components that share the environment (other
   * services' `HERALD_<SERVICE>_`): their variables are theirs to check.
   */
  foreignPrefixes?: string[];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

/** Reads and validates every setting of `spec`; throws one ConfigError listing all problems. */
export function loadConfig<S extends ConfigSpec>(spec: S, options: LoadConfigOptions): ConfigOf<S> {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const result: Record<string, unknown> = {};
  const known = new Set(Object.values(spec).map((s) => s.env));
  for (const [key, s] of Object.entries(spec)) {
    const raw = env[s.env];
    if (raw === undefined || raw === '') {
      if (s.required) problems.push(`${s.env} is required: ${s.doc} (${s.expects})`);
      else result[key] = s.fallback();
      continue;
    }
    try {
      result[key] = s.parse(raw);
    } catch (err) {
      problems.push(`${s.env} ${(err as Error).message}`);
    }
  }
  const foreign = options.foreignPrefixes ?? [];
  for (const name of Object.keys(env).sort()) {
    if (known.has(name) || !options.ownedPrefixes.some((p) => name.startsWith(p))) continue;
    if (foreign.some((p) => name.startsWith(p))) continue;
    const nearest = [...known].sort((a, b) => editDistance(name, a) - editDistance(name, b))[0];
    const hint = nearest && editDistance(name, nearest) <= 3 ? ` (did you mean ${nearest}?)` : '';
    problems.push(`${name} is not a known setting${hint}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as ConfigOf<S>;
}

/** The settings as documentation rows (for READMEs and the compose/k8s checks). */
export function describeConfig(spec: ConfigSpec): Array<{ env: string; doc: string; expects: string; default: string | undefined; required: boolean }> {
  return Object.values(spec).map((s) => {
    const fallback = s.required ? undefined : s.fallback();
    return {
      env: s.env,
      doc: s.doc,
      expects: s.expects,
      required: s.required,
      default: fallback === undefined ? undefined : s.secret ? '(secret)' : Array.isArray(fallback) ? fallback.join(',') : String(fallback),
    };
  });
}
