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

/** CloudEvents authtypes a JWT principal may carry (authcontext extension). */
export const jwtAuthTypes = ['service_account', 'user', 'app_user', 'unknown'] as const;

/**
 * Who may call (API keys, the admin key, JWT bearer tokens). Declared here, with the other shared
 * settings, so that every service sharing an environment knows these names; @herald/auth reads them.
 */
export const authSettings = {
  apiKeysFile: setting.optionalString({
    env: 'HERALD_API_KEYS_FILE',
    doc: 'JSON file of API keys: [{"id", "hash": "sha256:<hex>", "source"?, "admin"?, "disabled"?}] (see packages/auth/README.md)',
  }),
  apiKeys: setting.optionalString({ env: 'HERALD_API_KEYS', doc: 'API keys as JSON, in the format of HERALD_API_KEYS_FILE; the two add up' }),
  adminKey: setting.optionalString({ env: 'HERALD_ADMIN_KEY', secret: true, doc: 'the admin key, hk_admin_<secret of 32+ characters>: every right on every event type' }),
  jwtIssuer: setting.optionalString({ env: 'HERALD_JWT_ISSUER', doc: 'expected "iss" of JWT bearer tokens; required when a JWT key is set' }),
  jwtAudience: setting.optionalString({ env: 'HERALD_JWT_AUDIENCE', doc: 'expected "aud" of JWT bearer tokens (unset: not checked)' }),
  jwtJwksUrl: setting.optionalString({ env: 'HERALD_JWT_JWKS_URL', doc: "URL of the issuer's JWKS (cached; refetched when an unknown kid appears)" }),
  jwtJwks: setting.optionalString({ env: 'HERALD_JWT_JWKS', doc: 'JWKS JSON document of public keys that verify JWTs' }),
  jwtJwksFile: setting.optionalString({ env: 'HERALD_JWT_JWKS_FILE', doc: 'file holding the JWKS JSON document (instead of HERALD_JWT_JWKS)' }),
  jwtHs256Secret: setting.optionalString({ env: 'HERALD_JWT_HS256_SECRET', secret: true, doc: 'shared secret of HS256 JWTs, 32+ bytes' }),
  jwtPrincipalClaim: setting.string({ env: 'HERALD_JWT_PRINCIPAL_CLAIM', default: 'sub', doc: 'JWT claim holding the principal id that grants name' }),
  jwtSourceClaim: setting.string({ env: 'HERALD_JWT_SOURCE_CLAIM', default: 'herald_source', doc: 'JWT claim holding the principal\'s event source URI, when it has one' }),
  jwtAuthtype: setting.oneOf({ env: 'HERALD_JWT_AUTHTYPE', values: jwtAuthTypes, default: 'service_account', doc: 'CloudEvents authtype of events published with a JWT' }),
  jwtAdminClaim: setting.optionalString({ env: 'HERALD_JWT_ADMIN_CLAIM', doc: 'JWT claim that, when true, makes the principal an admin (unset: no JWT is admin)' }),
};

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
  registryUrl: setting.url({
    env: 'HERALD_REGISTRY_URL',
    default: 'http://localhost:8081',
    doc: 'schema registry (Confluent API: Herald\'s own, Confluent, Karapace or Apicurio)',
  }),
  eventTypesTopic: setting.string({
    env: 'HERALD_EVENT_TYPES_TOPIC',
    default: '_herald.event-types',
    pattern: /^[a-zA-Z0-9._-]{1,249}$/,
    doc: 'compacted topic of the event type catalog',
  }),
  subscriptionsTopic: setting.string({
    env: 'HERALD_SUBSCRIPTIONS_TOPIC',
    default: '_herald.subscriptions',
    pattern: /^[a-zA-Z0-9._-]{1,249}$/,
    doc: 'compacted topic of the subscriptions',
  }),
  signingKeys: setting.optionalString({
    env: 'HERALD_SIGNING_KEYS',
    secret: true,
    doc: 'event signing keys as JSON {"<key id>": "<base64 secret, 32+ bytes>"}; the publisher signs, consumers verify with any of them',
  }),
  signingKeyId: setting.optionalString({ env: 'HERALD_SIGNING_KEY_ID', doc: 'id of the key in HERALD_SIGNING_KEYS that signs new events' }),
  shutdownTimeoutMs: setting.int({
    env: 'HERALD_SHUTDOWN_TIMEOUT_MS',
    default: 25_000,
    min: 1000,
    max: 600_000,
    doc: 'longest a graceful shutdown may take (keep below the orchestrator grace period)',
  }),
  ...authSettings,
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
