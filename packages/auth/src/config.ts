// The auth settings every service that authenticates shares, and the Authenticator built from
// them at start. Files are read once, here; every problem names its variable, and all of them
// are reported together as one ConfigError, so a misconfigured service stops with exit code 2.
import { readFileSync } from 'node:fs';
import { ConfigError, authSettings, type ConfigOf } from '@herald/runtime';
import { adminKeyProblem, parseApiKeys } from './api-keys.js';
import { Authenticator } from './authenticator.js';
import { AuthError } from './errors.js';
import { hs256SecretProblem, jwksUrlProblem, parseJwks, type JwtOptions } from './jwt.js';

/** The auth settings: declared with the shared settings in @herald/runtime, so every service knows their names. */
export const authConfigSpec = authSettings;

export type AuthConfig = ConfigOf<typeof authConfigSpec>;

/** Verification options that are no settings: a service sets them in code, if at all. */
export type CreateAuthenticatorOptions = Pick<JwtOptions, 'algorithms' | 'clockToleranceSeconds' | 'remoteJwks'>;

/** Builds the Authenticator of the auth settings; throws one ConfigError naming every bad variable. */
export function createAuthenticator(config: AuthConfig, options: CreateAuthenticatorOptions = {}): Authenticator {
  const problems = new SettingProblems();
  const fileKeys = problems.parse(`HERALD_API_KEYS_FILE (${config.apiKeysFile})`, problems.read('HERALD_API_KEYS_FILE', config.apiKeysFile), parseApiKeys) ?? [];
  const envKeys = problems.parse('HERALD_API_KEYS', config.apiKeys, parseApiKeys) ?? [];
  const fileIds = new Set(fileKeys.map((entry) => entry.id));
  envKeys.forEach((entry, index) => {
    if (fileIds.has(entry.id)) problems.add(`HERALD_API_KEYS entry ${index} (${JSON.stringify(entry.id)}) "id" is also in HERALD_API_KEYS_FILE`);
  });
  const adminProblem = config.adminKey === undefined ? undefined : adminKeyProblem(config.adminKey);
  if (adminProblem !== undefined) problems.add(`HERALD_ADMIN_KEY ${adminProblem}`);
  const jwt = jwtOptionsOf(config, problems);
  if (problems.list.length > 0) throw new ConfigError(problems.list);
  try {
    return new Authenticator({ apiKeys: [...fileKeys, ...envKeys], adminKey: config.adminKey, jwt: jwt && { ...jwt, ...options } });
  } catch (err) {
    // Only the options given in code can still be wrong here: the settings were checked above.
    if (err instanceof AuthError) throw new ConfigError([...err.problems]);
    throw err;
  }
}

/** The names of the settings that are set. */
function namesSet(settings: Record<string, string | undefined>): string[] {
  return Object.keys(settings).filter((name) => settings[name] !== undefined);
}

/** The JWT options of the settings, or undefined when no JWT key is set (JWTs are refused). */
function jwtOptionsOf(config: AuthConfig, problems: SettingProblems): JwtOptions | undefined {
  const keySettings = { HERALD_JWT_JWKS_URL: config.jwtJwksUrl, HERALD_JWT_JWKS: config.jwtJwks, HERALD_JWT_JWKS_FILE: config.jwtJwksFile, HERALD_JWT_HS256_SECRET: config.jwtHs256Secret };
  const keysSet = namesSet(keySettings);
  if (keysSet.length === 0) {
    const orphans = namesSet({ HERALD_JWT_ISSUER: config.jwtIssuer, HERALD_JWT_AUDIENCE: config.jwtAudience, HERALD_JWT_ADMIN_CLAIM: config.jwtAdminClaim });
    if (orphans.length > 0) problems.add(`${orphans.join(', ')} set, but no key verifies JWTs: set one of ${Object.keys(keySettings).join(', ')}`);
    return undefined;
  }
  if (config.jwtIssuer === undefined) problems.add(`HERALD_JWT_ISSUER is required when JWTs are accepted (${keysSet.join(', ')} set): the expected "iss"`);
  if (config.jwtJwks !== undefined && config.jwtJwksFile !== undefined) problems.add('HERALD_JWT_JWKS and HERALD_JWT_JWKS_FILE are alternatives: set one');
  const urlProblem = config.jwtJwksUrl === undefined ? undefined : jwksUrlProblem(config.jwtJwksUrl);
  if (urlProblem !== undefined) problems.add(`HERALD_JWT_JWKS_URL ${urlProblem}, got ${JSON.stringify(config.jwtJwksUrl)}`);
  const secretProblem = config.jwtHs256Secret === undefined ? undefined : hs256SecretProblem(config.jwtHs256Secret);
  if (secretProblem !== undefined) problems.add(`HERALD_JWT_HS256_SECRET ${secretProblem}`);
  const jwks =
    problems.parse('HERALD_JWT_JWKS', config.jwtJwks, parseJwks) ??
    problems.parse(`HERALD_JWT_JWKS_FILE (${config.jwtJwksFile})`, problems.read('HERALD_JWT_JWKS_FILE', config.jwtJwksFile), parseJwks);
  if (config.jwtIssuer === undefined) return undefined;
  return {
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    jwksUrl: config.jwtJwksUrl,
    jwks,
    hs256Secret: config.jwtHs256Secret,
    principalClaim: config.jwtPrincipalClaim,
    sourceClaim: config.jwtSourceClaim,
    authtype: config.jwtAuthtype,
    adminClaim: config.jwtAdminClaim,
  };
}

/** Every problem with the auth settings, each naming its variable. */
class SettingProblems {
  readonly list: string[] = [];

  add(problem: string): void {
    this.list.push(problem);
  }

  /** The file's text; undefined when no file is set or it cannot be read (a problem). */
  read(variable: string, path: string | undefined): string | undefined {
    if (path === undefined) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      this.add(`${variable} names a file that cannot be read: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** `parser(text)`; undefined when there is no text or the parser finds problems, recorded as `origin`'s. */
  parse<T>(origin: string, text: string | undefined, parser: (text: string) => T): T | undefined {
    if (text === undefined) return undefined;
    try {
      return parser(text);
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      this.list.push(...err.problems.map((p) => `${origin} ${p}`));
      return undefined;
    }
  }
}
