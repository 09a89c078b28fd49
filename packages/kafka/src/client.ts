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
 *   abort the transaction when a send fails, so nothing half-written becomes visible;
 * - the notice that kafkajs 2 partitions as the Java client does (murmur2): that is what Herald
 *   wants, so keys land where Kafka's other clients put them;
 * - a send refused with CONCURRENT_TRANSACTIONS (a transaction begun while the broker still
 *   writes the previous one's markers), which kafkajs retries.
 */
const demoted = [
  /^Response \w+\(key: \d+, version: \d+\)$/,
  /^Limiting retries for the idempotent producer/,
  /^KafkaJS v2\.0\.0 switched default partitioner/,
  /^Failed to send messages: The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing$/,
];

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
  /**
   * A probe (readiness, breakers) answers fast: it tries each bootstrap broker once, quickly,
   * and does not retry requests on the retry schedule of ordinary clients.
   */
  probe?: boolean;
}

function sasl(connection: KafkaConnection): SASLOptions | undefined {
  const { kafkaSaslMechanism: mechanism, kafkaSaslUsername: username, kafkaSaslPassword: password } = connection;
  if (!mechanism || username === undefined || password === undefined) return undefined;
  return { mechanism, username, password } as SASLOptions;
}

/** A copy in random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

export function createKafka(options: CreateKafkaOptions): Kafka {
  const { connection } = options;
  const config: KafkaConfig = {
    clientId: options.clientId,
    // kafkajs tries bootstrap brokers in list order, starting from the first for every client:
    // with the first one down, every new client would pay for it first. Shuffle the list.
    brokers: shuffled(connection.kafkaBrokers),
    // kafkajs logs at INFO about every connection; the service's level filters further.
    logLevel: options.logger.level === 'debug' ? logLevel.DEBUG : logLevel.WARN,
    logCreator: kafkaLogCreator(options.logger),
    connectionTimeout: 3000,
    requestTimeout: 30_000,
    // kafkajs moves to the next bootstrap broker on each connection retry, so a probe gets one
    // retry per further broker, quickly.
    retry: options.probe
      ? { initialRetryTime: 50, retries: connection.kafkaBrokers.length - 1, maxRetryTime: 200 }
      : { initialRetryTime: 300, retries: 8, maxRetryTime: 30_000 },
  };
  if (connection.kafkaSsl) config.ssl = connection.kafkaSslCaFile ? { ca: [readFileSync(connection.kafkaSslCaFile, 'utf8')] } : true;
  const auth = sasl(connection);
  if (auth) config.sasl = auth;
  return new Kafka(config);
}
