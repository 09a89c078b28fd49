// An event type: what its events are (schema, mode, partition key), where they live (topics),
// and who may do what with them (owner, writers, readers).

export const eventModes = ['state', 'notification'] as const;
export type EventMode = (typeof eventModes)[number];

export const compatibilityLevels = ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE'] as const;
export type CompatibilityLevel = (typeof compatibilityLevels)[number];

export interface TopicSettings {
  partitions: number;
  /** -1: forever. */
  retentionMs: number;
  /** Set at creation; default 3, or the broker count when smaller. */
  replicationFactor?: number;
  /** State types: also keep a compacted `state.<name>` topic with the newest state per key. */
  latestState: boolean;
}

/** What the owner of a type declares. */
export interface EventTypeSpec {
  name: string;
  description: string;
  owner: string;
  /** Default `ce_source` of the type's events (a principal with a source of its own overrides it). */
  source: string;
  mode: EventMode;
  /** The Avro schema, as JSON. */
  schema: unknown;
  compatibility: CompatibilityLevel;
  /** Dot path into the data whose value is the partition key, e.g. `rideId`. */
  partitionKey: string;
  topic: TopicSettings;
  writers: string[];
  readers: string[];
}

/** A type as the catalog keeps it: the spec plus what Herald derived and recorded. */
export interface EventType extends EventTypeSpec {
  topicName: string;
  latestStateTopicName?: string;
  subject: string;
  schemaId: number;
  schemaVersion: number;
  /** Increases with every change; a change names the revision it was made on. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export const topicNameOf = (typeName: string) => `events.${typeName}`;
export const latestStateTopicNameOf = (typeName: string) => `state.${typeName}`;
/** Confluent's TopicNameStrategy, so Connect, ksqlDB and other tools find the schema. */
export const subjectOf = (typeName: string) => `${topicNameOf(typeName)}-value`;

/** Properties of a type that cannot change: they would break the order or meaning of what is stored. */
export const immutableFields = ['mode', 'partitionKey', 'topic.partitions'] as const;

/** The immutable fields that differ between two specs. */
export function changedImmutableFields(before: EventTypeSpec, after: EventTypeSpec): string[] {
  const changed: string[] = [];
  if (before.mode !== after.mode) changed.push('mode');
  if (before.partitionKey !== after.partitionKey) changed.push('partitionKey');
  if (before.topic.partitions !== after.topic.partitions) changed.push('topic.partitions');
  return changed;
}

export type PartitionKeyLookup = { ok: true; key: string } | { ok: false; reason: string };

/** The partition key of an event's data: the string or number at the type's path. */
export function partitionKeyOf(data: unknown, path: string): PartitionKeyLookup {
  let value: unknown = data;
  for (const segment of path.split('.')) {
    if (typeof value !== 'object' || value === null || !(segment in value)) return { ok: false, reason: `data has no value at '${path}' (the type's partition key)` };
    value = (value as Record<string, unknown>)[segment];
  }
  if (typeof value === 'string' && value.length > 0) return { ok: true, key: value };
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, key: String(value) };
  return { ok: false, reason: `the value at '${path}' (the type's partition key) must be a non-empty string or a number` };
}
