// Reads the environment's config and runs the replay until SIGTERM/SIGINT.
import { createAuthenticator } from '@herald/auth';
import { EnvelopeError, keyringFromSettings } from '@herald/envelope';
import { ConfigError, createLogger, runService } from '@herald/runtime';
import { loadReplayConfig } from './config.js';
import { startReplay } from './service.js';

// Settings are checked before anything starts: a bad value stops the service with exit code 2
// and a message naming the variable.
let settings;
try {
  const config = loadReplayConfig();
  settings = { config, keyring: keyringFromSettings(config), authenticator: createAuthenticator(config) };
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof EnvelopeError)) throw err;
  process.stderr.write(`replay: ${err.message}\n`);
  process.exit(2);
}
const { config, keyring, authenticator } = settings;
const logger = createLogger({ service: 'replay', level: config.logLevel });

await runService({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs, start: () => startReplay({ config, logger, keyring, authenticator }) });
