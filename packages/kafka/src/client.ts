// Kafka clients built from the shared settings, logging through the service's JSON logger.
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions, type logCreator } from 'kafkajs';
import type { Logger, SharedConfig } from '@herald/runtime';

const levelNames: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * kafkajs logs that say nothing an operator must act on, at debug:
 * - every error response at ERROR, even the ones it retries (a coordinator still loading);
 *   the caller sees the error if retries run out;
 * - a warning that limited retries may break idempotence: Herald's transactional producers
 *   abort the transaction when a send fails, so nothing half-written becomes visible.
 */
const demoted = [/^Response \w+\(key: \d+, version: \d+\)$/, /^Limiting retries for the idempotent producer/];

/** Routes kafkajs's own logs into the service logger (field `logger: kafkajs`). */
export function kafkaLogCreator(logger: Logger): logCreator {
  const child = logger.child({ logger: 'kafkajs' });
  return () =>
    ({ level, log }) => {
      const { message, timestamp: _t, logger: _l, ...fields } = log;
      const at = demoted.some((pattern) => pattern.test(message)) ? 'debug' : (levelNames[level] ?? 'info');
      child[at](message, fields);
    };
}

export type KafkaConnection = Pick<SharedConfig, 'kafkaBrokers' | 'kafkaSsl' | 'kafkaSslCaFile' | 'kafkaSaslMechanism' | 'kafkaSaslUsername' | 'kafkaSaslPassword'>;

export interface CreateKafkaOptions {
  clientId: string;
  connection: KafkaConnection;
  logger: Logger;
  /** Retries of a failed request or connection; 0 for probes that must fail fast. Default 8. */
  retries?: number;
}

function sasl(connection: KafkaConnection): SASLOptions | undefined {
  const { kafkaSaslMechanism: mechanism, kafkaSaslUsername: username, kafkaSaslPassword: password } = connection;
  if (!mechanism || username === undefined || password === undefined) return undefined;
  return { mechanism, username, password } as SASLOptions;
}

export function createKafka(options: CreateKafkaOptions): Kafka {
  const { connection } = options;
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: connection.kafkaBrokers,
    // kafkajs logs at INFO about every connection; the service's level filters further.
    logLevel: options.logger.level === 'debug' ? logLevel.DEBUG : logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: options.retries ?? 8, maxRetryTime: 30_000 },
  };
  if (connection.kafkaSsl) config.ssl = connection.kafkaSslCaFile ? { ca: [readFileSync(connection.kafkaSslCaFile, 'utf8')] } : true;
  const auth = sasl(connection);
  if (auth) config.sasl = auth;
  return new Kafka(config);
}
