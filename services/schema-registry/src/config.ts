import { loadServiceConfig, setting } from '@herald/runtime';
import { compatibilityLevels } from './compatibility.js';

export const registryConfigSpec = {
  port: setting.port({ env: 'HERALD_SCHEMA_REGISTRY_PORT', default: 8081, doc: 'HTTP port (Confluent Schema Registry uses 8081)' }),
  host: setting.string({ env: 'HERALD_SCHEMA_REGISTRY_HOST', default: '0.0.0.0', doc: 'address to listen on' }),
  topic: setting.string({
    env: 'HERALD_SCHEMA_REGISTRY_TOPIC',
    default: '_schemas',
    pattern: /^[a-zA-Z0-9._-]{1,249}$/,
    doc: 'compacted topic that stores the schemas (Confluent: kafkastore.topic)',
  }),
  replicationFactor: setting.int({
    env: 'HERALD_SCHEMA_REGISTRY_TOPIC_REPLICATION_FACTOR',
    default: 0,
    min: 0,
    max: 32,
    doc: 'replication factor of the schema topic when it is created; 0: 3, or the broker count when smaller',
  }),
  defaultCompatibility: setting.oneOf({
    env: 'HERALD_SCHEMA_REGISTRY_DEFAULT_COMPATIBILITY',
    values: compatibilityLevels,
    default: 'BACKWARD',
    doc: 'global compatibility level until one is set with PUT /config',
  }),
  bodyLimit: setting.string({ env: 'HERALD_SCHEMA_REGISTRY_BODY_LIMIT', default: '8mb', pattern: /^\d+(b|kb|mb)$/, doc: 'largest accepted request body' }),
};

export type RegistryConfig = ReturnType<typeof loadRegistryConfig>;

export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadServiceConfig('schema-registry', registryConfigSpec, env);
}
