// Reads the environment's config and runs the publisher until SIGTERM/SIGINT.
import { createAuthenticator } from '@herald/auth';
import { EnvelopeError, keyringFromSettings } from '@herald/envelope';
import { ConfigError, createLogger, runService } from '@herald/runtime';
import { loadPublisherConfig } from './config.js';
import { startPublisher } from './service.js';

// Settings are checked before anything starts: a bad value stops the service with exit code 2
// and a message naming the variable.
let settings;
try {
  const config = loadPublisherConfig();
  settings = { config, keyring: keyringFromSettings(config), authenticator: createAuthenticator(config) };
} catch (err) {
  if (!(err instanceof ConfigError || err instanceof EnvelopeError)) throw err;
  process.stderr.write(`publisher: ${err.message}\n`);
  process.exit(2);
}
const { config, keyring, authenticator } = settings;
const logger = createLogger({ service: 'publisher', level: config.logLevel });

await runService({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs, start: () => startPublisher({ config, logger, keyring, authenticator }) });
