// The registry's storage: one compacted, single-partition Kafka topic (`_schemas`, as Confluent
// keeps it), a MetadataLog replayed into memory at start and followed afterwards. Reads are
// answered from memory; writes go through the log's ExclusiveWriter, so several instances can
// serve the same topic without handing out the same id or version twice.
import type { Kafka } from 'kafkajs';
import { MetadataLog } from '@herald/kafka';
import type { Logger } from '@herald/runtime';
import type { CompatibilityLevel } from './compatibility.js';
import { RegistryError } from './errors.js';
import type { RegistryMetrics } from './metrics.js';
import { RegistryState, type Mutation } from './state.js';

export interface RegistryStoreOptions {
  kafka: Kafka;
  logger: Logger;
  metrics: RegistryMetrics;
  topic: string;
  /** Default: 3, or the broker count when smaller. */
  replicationFactor?: number;
  /** Shared by every instance serving the topic: it is what makes them take turns. */
  transactionalId: string;
  defaultCompatibility: CompatibilityLevel;
}

export class RegistryStore {
  readonly state: RegistryState;
  private readonly log: MetadataLog;

  constructor(private readonly options: RegistryStoreOptions) {
    this.state = new RegistryState(options.defaultCompatibility);
    this.log = new MetadataLog({
      kafka: options.kafka,
      logger: options.logger,
      topic: options.topic,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
      groupIdPrefix: 'herald-schema-registry',
      transactionalId: options.transactionalId,
      onRecord: ({ key, value, offset }) => {
        const applied = this.applyRaw(key, value);
        if (!applied) options.logger.warn('skipped an unreadable record', { topic: options.topic, offset });
        options.metrics.recordApplied(applied);
      },
      onFenced: () => options.metrics.fenced(),
    });
  }

  private applyRaw(key: Buffer | null, value: Buffer | null): boolean {
    if (!key) return false;
    try {
      return this.state.apply(JSON.parse(key.toString('utf8')), value === null ? null : JSON.parse(value.toString('utf8')));
    } catch {
      return false;
    }
  }

  /** Creates the topic if needed and replays it; resolves when the state is complete. */
  async start(): Promise<void> {
    const started = Date.now();
    await this.log.start();
    this.options.logger.info('schemas loaded', { topic: this.options.topic, ms: Date.now() - started, ...this.state.size() });
  }

  get isReady(): boolean {
    return this.log.isReady;
  }

  /**
   * Runs a command against complete state as the single writer and appends its records;
   * resolves with its result once this instance has read them back (read-your-writes).
   */
  async write<T>(command: (state: RegistryState) => Mutation<T>): Promise<T> {
    let appended = 0;
    try {
      const result = await this.log.write(() => {
        const { records, result } = command(this.state);
        appended = records.length;
        return { records: records.map((r) => ({ key: JSON.stringify(r.key), value: r.value === null ? null : JSON.stringify(r.value) })), result };
      });
      this.options.metrics.written(appended);
      return result;
    } catch (err) {
      if (err instanceof RegistryError) throw err;
      throw new RegistryError('store_error', `Error while writing to the schema topic: ${(err as Error).message}`, { cause: err });
    }
  }

  async stop(): Promise<void> {
    await this.log.stop();
  }
}
