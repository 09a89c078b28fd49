// Settings every Herald service reads (Kafka connection, logging, shutdown), and the rule that
// ties a service's own settings to its prefix: HERALD_<SERVICE>_*. All services can share one
// environment (as `npm start` does); each checks the shared HERALD_* names and its own.
import { ConfigError, loadConfig, setting, type ConfigOf, type ConfigSpec } from './config.js';
import { logLevels } from './logger.js';

export const serviceConfigPrefixes = {
  publisher: 'HERALD_PUBLISHER_',
  router: 'HERALD_ROUTER_',
  replay: 'HERALD_REPLAY_',
  'schema-registry': 'HERALD_SCHEMA_REGISTRY_',
} as const;

export type ServiceName = keyof typeof serviceConfigPrefixes;

export const sharedConfigSpec = {
  logLevel: setting.oneOf({ env: 'HERALD_LOG_LEVEL', values: logLevels, default: 'info', doc: 'least severe log level written' }),
  kafkaBrokers: setting.list({
    env: 'HERALD_KAFKA_BROKERS',
    default: ['localhost:9092'],
    item: /^[^\s:,]+:\d{1,5}$/,
    itemDoc: 'host:port',
    doc: 'Kafka bootstrap servers',
  }),
  kafkaSsl: setting.bool({ env: 'HERALD_KAFKA_SSL', default: false, doc: 'connect to Kafka over TLS' }),
  kafkaSslCaFile: setting.optionalString({ env: 'HERALD_KAFKA_SSL_CA_FILE', doc: 'PEM file of CAs to trust for Kafka TLS (default: the system CAs)' }),
  kafkaSaslMechanism: setting.optionalOneOf({
    env: 'HERALD_KAFKA_SASL_MECHANISM',
    values: ['plain', 'scram-sha-256', 'scram-sha-512'] as const,
    doc: 'SASL mechanism for Kafka (unset: no SASL)',
  }),
  kafkaSaslUsername: setting.optionalString({ env: 'HERALD_KAFKA_SASL_USERNAME', doc: 'SASL user name' }),
  kafkaSaslPassword: setting.optionalString({ env: 'HERALD_KAFKA_SASL_PASSWORD', doc: 'SASL password', secret: true }),
  shutdownTimeoutMs: setting.int({
    env: 'HERALD_SHUTDOWN_TIMEOUT_MS',
    default: 25_000,
    min: 1000,
    max: 600_000,
    doc: 'longest a graceful shutdown may take (keep below the orchestrator grace period)',
  }),
};

export type SharedConfig = ConfigOf<typeof sharedConfigSpec>;

/** Loads the shared settings plus a service's own, rejecting unknown HERALD_* names. */
export function loadServiceConfig<S extends ConfigSpec>(service: ServiceName, spec: S, env: NodeJS.ProcessEnv = process.env): SharedConfig & ConfigOf<S> {
  const own = serviceConfigPrefixes[service];
  for (const s of Object.values(spec)) {
    if (!s.env.startsWith(own)) throw new Error(`setting ${s.env} of ${service} must start with ${own}`);
  }
  const foreignPrefixes = Object.values(serviceConfigPrefixes).filter((p) => p !== own);
  const config = loadConfig({ ...sharedConfigSpec, ...spec }, { env, ownedPrefixes: ['HERALD_'], foreignPrefixes });
  const sasl = [config.kafkaSaslMechanism, config.kafkaSaslUsername, config.kafkaSaslPassword];
  if (sasl.some((v) => v !== undefined) && sasl.some((v) => v === undefined)) {
    throw new ConfigError(['HERALD_KAFKA_SASL_MECHANISM, HERALD_KAFKA_SASL_USERNAME and HERALD_KAFKA_SASL_PASSWORD go together: set all three or none']);
  }
  return config as SharedConfig & ConfigOf<S>;
}
