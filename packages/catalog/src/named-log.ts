// Named records (event types, subscriptions) kept in a compacted single-partition topic: key the
// name, value the record as JSON, a tombstone when deleted. Every instance follows the topic into
// memory and learns of changes as they are committed; writes go through an ExclusiveWriter, so
// two instances cannot both create the same name or both apply a change to the same revision.
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { MetadataLog } from '@herald/kafka';
import type { Logger } from '@herald/runtime';
import { CatalogError } from './errors.js';

export interface NamedRecord {
  name: string;
  /** Increases with every change; a change names the revision it was made on. */
  revision: number;
  createdAt: string;
}

export interface NamedLogOptions {
  kafka: Kafka;
  logger: Logger;
  topic: string;
  /** What the records are, for messages: "event type", "subscription". */
  noun: string;
  /** For the topic's creation; default 3, or the broker count when smaller. */
  replicationFactor?: number;
  /** Who follows: part of the consumer group id, for operators reading group lists. */
  service: string;
  /** Shared by every instance writing the topic. */
  transactionalId: string;
}

export interface NamedChange<T> {
  name: string;
  /** undefined: deleted. */
  current: T | undefined;
  previous: T | undefined;
}

export class NamedLog<T extends NamedRecord> {
  private readonly records = new Map<string, T>();
  private readonly log: MetadataLog;
  private readonly changes = new EventEmitter<{ change: [NamedChange<T>] }>();

  constructor(private readonly options: NamedLogOptions) {
    this.log = new MetadataLog({
      kafka: options.kafka,
      topic: options.topic,
      logger: options.logger,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
      groupIdPrefix: `herald-${options.service}-${options.noun.replace(/\s+/g, '-')}s`,
      transactionalId: options.transactionalId,
      onRecord: ({ key, value, offset }) => {
        const name = key?.toString('utf8');
        if (!name) return;
        const previous = this.records.get(name);
        let current: T | undefined;
        if (value !== null) {
          try {
            current = JSON.parse(value.toString('utf8')) as T;
          } catch {
            options.logger.warn(`skipped an unreadable ${options.noun} record`, { topic: options.topic, offset });
            return;
          }
          this.records.set(name, current);
        } else {
          this.records.delete(name);
        }
        this.changes.emit('change', { name, current, previous });
      },
    });
  }

  get topic(): string {
    return this.options.topic;
  }

  async start(): Promise<void> {
    await this.log.start();
  }

  get isReady(): boolean {
    return this.log.isReady;
  }

  /** Resolves once every change committed before the call has been applied here. */
  refresh(timeoutMs = 10_000): Promise<void> {
    return this.log.catchUp(timeoutMs);
  }

  get(name: string): T | undefined {
    return this.records.get(name);
  }

  /**
   * The record; when it is not known here, after reading the log to its end once (it may have
   * been created a moment ago through another instance). A log that cannot be read counts as
   * not knowing it.
   */
  async lookup(name: string): Promise<T | undefined> {
    const known = this.records.get(name);
    if (known) return known;
    await this.refresh().catch(() => undefined);
    return this.records.get(name);
  }

  list(): T[] {
    return [...this.records.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Calls `listener` for every change applied from now on (creations, updates, deletions). */
  onChange(listener: (change: NamedChange<T>) => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  /** Records a new one; `already_exists` if the name is taken. */
  create(record: Omit<T, 'revision'>): Promise<T> {
    return this.log.write(() => {
      if (this.records.has(record.name)) throw new CatalogError('already_exists', `${this.options.noun} ${record.name} already exists`);
      const stored = { ...record, revision: 1 } as T;
      return { records: [{ key: stored.name, value: JSON.stringify(stored) }], result: stored };
    });
  }

  /** Replaces one, if it is still at the revision the change was made on; `conflict` otherwise. */
  update(record: Omit<T, 'revision' | 'createdAt'>, basedOnRevision: number): Promise<T> {
    return this.log.write(() => {
      const current = this.current(record.name, basedOnRevision);
      const stored = { ...record, createdAt: current.createdAt, revision: current.revision + 1 } as T;
      return { records: [{ key: stored.name, value: JSON.stringify(stored) }], result: stored };
    });
  }

  remove(name: string, basedOnRevision: number): Promise<void> {
    return this.log.write(() => {
      this.current(name, basedOnRevision);
      return { records: [{ key: name, value: null }], result: undefined };
    });
  }

  private current(name: string, basedOnRevision: number): T {
    const current = this.records.get(name);
    if (!current) throw new CatalogError('not_found', `no ${this.options.noun} ${name}`);
    if (current.revision !== basedOnRevision) {
      throw new CatalogError(
        'conflict',
        `${this.options.noun} ${name} changed while this change was made (revision ${current.revision}, not ${basedOnRevision}); read it again and retry`,
      );
    }
    return current;
  }

  async stop(): Promise<void> {
    await this.log.stop();
  }
}
