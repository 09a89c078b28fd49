// The catalog of event types, kept in a compacted single-partition topic (key: the type's name,
// value: the type as JSON, a tombstone when deleted). Every service follows it into memory and
// learns of changes as they are committed; writers go through an ExclusiveWriter, so two
// instances cannot both create the same type or both apply a change to the same revision.
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { MetadataLog } from '@herald/kafka';
import type { Logger } from '@herald/runtime';
import { CatalogError } from './errors.js';
import type { EventType } from './event-type.js';

export const DEFAULT_EVENT_TYPES_TOPIC = '_herald.event-types';

export interface EventTypeCatalogOptions {
  kafka: Kafka;
  logger: Logger;
  topic?: string;
  /** For the topic's creation; default 3, or the broker count when smaller. */
  replicationFactor?: number;
  /** Who follows: part of the consumer group id, for operators reading group lists. */
  service: string;
}

export interface CatalogChange {
  name: string;
  /** undefined: the type was deleted. */
  eventType: EventType | undefined;
  previous: EventType | undefined;
}

export class EventTypeCatalog {
  private readonly types = new Map<string, EventType>();
  private readonly log: MetadataLog;
  private readonly changes = new EventEmitter<{ change: [CatalogChange] }>();
  readonly topic: string;

  constructor(private readonly options: EventTypeCatalogOptions) {
    this.topic = options.topic ?? DEFAULT_EVENT_TYPES_TOPIC;
    this.log = new MetadataLog({
      kafka: options.kafka,
      topic: this.topic,
      logger: options.logger,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
      groupIdPrefix: `herald-${options.service}-catalog`,
      transactionalId: `herald-catalog-writer-${this.topic}`,
      onRecord: ({ key, value, offset }) => {
        const name = key?.toString('utf8');
        if (!name) return;
        const previous = this.types.get(name);
        let eventType: EventType | undefined;
        if (value !== null) {
          try {
            eventType = JSON.parse(value.toString('utf8')) as EventType;
          } catch {
            options.logger.warn('skipped an unreadable event type record', { topic: this.topic, offset });
            return;
          }
          this.types.set(name, eventType);
        } else {
          this.types.delete(name);
        }
        this.changes.emit('change', { name, eventType, previous });
      },
    });
  }

  async start(): Promise<void> {
    await this.log.start();
  }

  get isReady(): boolean {
    return this.log.isReady;
  }

  get(name: string): EventType | undefined {
    return this.types.get(name);
  }

  list(): EventType[] {
    return [...this.types.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Calls `listener` for every change applied from now on (creations, updates, deletions). */
  onChange(listener: (change: CatalogChange) => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  /** Records a new type; `already_exists` if the name is taken. */
  create(eventType: EventType): Promise<EventType> {
    return this.log.write(() => {
      if (this.types.has(eventType.name)) throw new CatalogError('already_exists', `event type ${eventType.name} already exists`);
      const stored = { ...eventType, revision: 1 };
      return { records: [{ key: stored.name, value: JSON.stringify(stored) }], result: stored };
    });
  }

  /** Replaces a type, if it is still at the revision the change was made on; `conflict` otherwise. */
  update(eventType: EventType, basedOnRevision: number): Promise<EventType> {
    return this.log.write(() => {
      const current = this.current(eventType.name, basedOnRevision);
      const stored = { ...eventType, createdAt: current.createdAt, revision: current.revision + 1 };
      return { records: [{ key: stored.name, value: JSON.stringify(stored) }], result: stored };
    });
  }

  remove(name: string, basedOnRevision: number): Promise<void> {
    return this.log.write(() => {
      this.current(name, basedOnRevision);
      return { records: [{ key: name, value: null }], result: undefined };
    });
  }

  private current(name: string, basedOnRevision: number): EventType {
    const current = this.types.get(name);
    if (!current) throw new CatalogError('not_found', `no event type ${name}`);
    if (current.revision !== basedOnRevision) {
      throw new CatalogError('conflict', `event type ${name} changed while this change was made (revision ${current.revision}, not ${basedOnRevision}); read it again and retry`);
    }
    return current;
  }

  async stop(): Promise<void> {
    await this.log.stop();
  }
}
