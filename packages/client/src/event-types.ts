// The event type catalog: /v1/event-types of the publisher API (docs/publisher-api.md).
import type { HttpTransport } from './http.js';

/** How consumers read an event: the whole state of the entity, or a notice with a `dataref`. */
export type EventTypeMode = 'state' | 'notification';

export const COMPATIBILITY_LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** An Avro schema as JSON: a record (object), a union (array) or a primitive type name. */
export type AvroSchema = Record<string, unknown> | unknown[] | string;

export interface TopicSettings {
  /** 1..1000, default 6; immutable. */
  partitions?: number;
  /** -1 (forever) or at least 3600000; default 7 days. */
  retentionMs?: number;
  /** 1..32, default 3 or the broker count when smaller; creation only. */
  replicationFactor?: number;
  /** State mode only: also keep the latest event per key in the compacted `state.<name>`. */
  latestState?: boolean;
}

/** What a client sends to create or change an event type. */
export interface EventTypeDefinition {
  /** The CloudEvents `type`, e.g. `com.acme.rides.ride.requested`. */
  name: string;
  description: string;
  /** Principal id; default the caller. Only an admin may name another owner. */
  owner?: string;
  /** Absolute URI: the default `source` of events of this type. */
  source: string;
  /** Immutable. */
  mode: EventTypeMode;
  schema: AvroSchema;
  /** Default BACKWARD. */
  compatibility?: CompatibilityLevel;
  /** Dot path into the data whose value (string or number) keys the record; immutable. */
  partitionKey: string;
  topic?: TopicSettings;
  /** Principal ids allowed to publish. */
  writers?: string[];
  readers?: string[];
}

/** A change to an event type: the definition without its name, which the path carries. */
export type EventTypeChange = Omit<EventTypeDefinition, 'name'>;

/** An event type as the publisher holds it: the definition with its defaults, and what Herald derived. */
export interface EventType {
  name: string;
  description: string;
  owner: string;
  source: string;
  mode: EventTypeMode;
  schema: AvroSchema;
  compatibility: CompatibilityLevel;
  partitionKey: string;
  topic: { partitions: number; retentionMs: number; latestState: boolean; replicationFactor?: number };
  writers: string[];
  readers: string[];
  /** `events.<name>`. */
  topicName: string;
  /** `state.<name>`, when `topic.latestState`. */
  latestStateTopicName?: string;
  /** The registry subject of the schema, `events.<name>-value`. */
  subject: string;
  schemaId: number;
  schemaVersion: number;
  /** Grows by one with every change. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

const path = (name: string): string => `/v1/event-types/${encodeURIComponent(name)}`;

export class EventTypes {
  readonly #http: HttpTransport;

  constructor(http: HttpTransport) {
    this.#http = http;
  }

  /** Registers the schema, creates the topics and records the type; the caller owns it. */
  create(definition: EventTypeDefinition): Promise<EventType> {
    // Not idempotent: after a lost answer, a second POST would meet `already_exists`.
    return this.#http.request({ method: 'POST', path: '/v1/event-types', body: definition, idempotent: false });
  }

  get(name: string): Promise<EventType> {
    return this.#http.request({ method: 'GET', path: path(name), idempotent: true });
  }

  /** Every event type, sorted by name. */
  async list(): Promise<EventType[]> {
    const { items } = await this.#http.request<{ items: EventType[] }>({ method: 'GET', path: '/v1/event-types', idempotent: true });
    return items;
  }

  /** Owner or admin. A new schema must pass the registry's compatibility check at the type's level. */
  update(name: string, change: EventTypeChange): Promise<EventType> {
    // A resource fetched with `get` can be sent back as it is: the path names the type, and the
    // publisher ignores the other read-only fields.
    const { name: _fromResource, ...body } = change as EventTypeChange & { name?: string };
    return this.#http.request({ method: 'PUT', path: path(name), body, idempotent: true });
  }

  /**
   * Owner or admin. The topics and their data stay. Sent again after a lost answer, it may
   * meet `not_found`: the type is gone either way.
   */
  async delete(name: string): Promise<void> {
    await this.#http.request({ method: 'DELETE', path: path(name), idempotent: true });
  }
}
