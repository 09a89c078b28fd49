// Declaring event types: the schema goes to the registry under the type's subject, the topics
// are created, and the type is recorded in the catalog. A change is checked against the
// registry's compatibility rules at the type's level and refused with the field that broke it.
import avro, { type Type } from 'avsc';
import type { Admin } from 'kafkajs';
import { canAdminister, type Principal } from '@herald/auth';
import {
  CatalogError,
  changedImmutableFields,
  latestStateTopicNameOf,
  subjectOf,
  topicNameOf,
  type CompatibilityLevel,
  type EventType,
  type EventTypeCatalog,
  type EventTypeSpec,
} from '@herald/catalog';
import { TopicMismatchError, ensureTopic } from '@herald/kafka';
import { HttpProblem } from '@herald/runtime';
import { RegistryRequestError, type RegistryClient, type RegisteredVersion } from '@herald/schemas';
import { validateEventTypeCreate, validateEventTypeUpdate, type EventTypeCreateBody, type EventTypeUpdateBody, type ValidationError } from './validation.js';

export const TYPE_DEFAULTS = {
  compatibility: 'BACKWARD' as CompatibilityLevel,
  partitions: 6,
  retentionMs: 7 * 24 * 3600 * 1000,
};

export interface EventTypeAdminDeps {
  catalog: EventTypeCatalog;
  registry: RegistryClient;
  admin: Admin;
  /** Replication factor of created topics unless the type sets one; undefined: 3, or fewer brokers. */
  replicationFactor?: number;
}

function invalid(errors: ValidationError[]): HttpProblem {
  return new HttpProblem('invalid_request', 'Invalid event type', { detail: errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '), extensions: { errors } });
}

function registryProblem(err: unknown, subject: string): HttpProblem {
  if (!(err instanceof RegistryRequestError)) throw err;
  if (err.errorCode === 42201) return new HttpProblem('invalid_schema', 'Invalid Avro schema', { detail: err.message, cause: err });
  if (err.errorCode === 409) return new HttpProblem('incompatible_schema', 'Incompatible schema change', { detail: `${subject}: ${err.message}`, cause: err });
  if (err.retriable) return new HttpProblem('registry_unavailable', 'Schema registry unavailable', { detail: err.message, headers: { 'Retry-After': '1' }, cause: err });
  return new HttpProblem('internal', 'Schema registry refused the request', { detail: err.message, cause: err });
}

function catalogProblem(err: unknown): HttpProblem {
  if (!(err instanceof CatalogError)) throw err;
  if (err.code === 'already_exists') return new HttpProblem('already_exists', 'Event type exists', { detail: err.message });
  if (err.code === 'not_found') return new HttpProblem('not_found', 'No such event type', { detail: err.message });
  return new HttpProblem('conflict', 'Concurrent change', { detail: err.message });
}

/** Checks that the partition key path names a string or number field that is always present. */
function checkPartitionKeyPath(schema: Type, path: string): string | undefined {
  let type: Type = schema;
  for (const segment of path.split('.')) {
    if (!(type instanceof avro.types.RecordType)) return `partition key '${path}': '${segment}' is not inside a record`;
    const field = type.fields.find((f) => f.name === segment);
    if (!field) return `partition key '${path}': ${type.name ?? 'the record'} has no field '${segment}'`;
    type = field.type;
  }
  if (!['string', 'int', 'long'].includes(type.typeName)) return `partition key '${path}' must be a string, int or long field (never null), not ${type.typeName}`;
  return undefined;
}

function schemaText(schema: unknown): string {
  return typeof schema === 'string' ? schema : JSON.stringify(schema);
}

export class EventTypeAdmin {
  constructor(private readonly deps: EventTypeAdminDeps) {}

  list(): EventType[] {
    return this.deps.catalog.list();
  }

  get(name: string): EventType {
    const type = this.deps.catalog.get(name);
    if (!type) throw new HttpProblem('not_found', 'No such event type', { detail: `there is no event type '${name}'` });
    return type;
  }

  /** Turns a validated body into a spec, applying defaults and the rules the schema cannot express. */
  private spec(principal: Principal, name: string, body: EventTypeCreateBody | EventTypeUpdateBody, owner: string | undefined): EventTypeSpec {
    const errors: ValidationError[] = [];
    const spec: EventTypeSpec = {
      name,
      description: body.description,
      owner: body.owner ?? owner ?? principal.id,
      source: body.source,
      mode: body.mode,
      schema: body.schema,
      compatibility: body.compatibility ?? TYPE_DEFAULTS.compatibility,
      partitionKey: body.partitionKey,
      topic: {
        partitions: body.topic?.partitions ?? TYPE_DEFAULTS.partitions,
        retentionMs: body.topic?.retentionMs ?? TYPE_DEFAULTS.retentionMs,
        latestState: body.topic?.latestState ?? false,
        ...(body.topic?.replicationFactor !== undefined ? { replicationFactor: body.topic.replicationFactor } : {}),
      },
      writers: body.writers ?? [],
      readers: body.readers ?? [],
    };
    if (spec.topic.latestState && spec.mode !== 'state') errors.push({ path: '/topic/latestState', message: 'only state event types keep a latest-state topic' });
    let parsed: Type | undefined;
    try {
      parsed = avro.Type.forSchema((typeof spec.schema === 'string' ? JSON.parse(spec.schema) : spec.schema) as avro.Schema);
    } catch (err) {
      throw new HttpProblem('invalid_schema', 'Invalid Avro schema', { detail: (err as Error).message });
    }
    const keyProblem = checkPartitionKeyPath(parsed, spec.partitionKey);
    if (keyProblem) errors.push({ path: '/partitionKey', message: keyProblem });
    if (errors.length > 0) throw invalid(errors);
    return spec;
  }

  private async createTopics(spec: EventTypeSpec): Promise<void> {
    const replicationFactor = spec.topic.replicationFactor ?? this.deps.replicationFactor;
    const rf = replicationFactor !== undefined ? { replicationFactor } : {};
    try {
      await ensureTopic(this.deps.admin, {
        topic: topicNameOf(spec.name),
        partitions: spec.topic.partitions,
        ...rf,
        configs: { 'cleanup.policy': 'delete', 'retention.ms': String(spec.topic.retentionMs) },
        require: { partitions: true },
      });
      if (spec.topic.latestState) {
        await ensureTopic(this.deps.admin, {
          topic: latestStateTopicNameOf(spec.name),
          partitions: spec.topic.partitions,
          ...rf,
          configs: { 'cleanup.policy': 'compact' },
          require: { partitions: true, configs: ['cleanup.policy'] },
        });
      }
    } catch (err) {
      if (err instanceof TopicMismatchError) throw new HttpProblem('conflict', 'A topic of that name exists with other settings', { detail: err.message });
      throw err;
    }
  }

  private stored(spec: EventTypeSpec, registered: RegisteredVersion, previous?: EventType): EventType {
    const now = new Date().toISOString();
    return {
      ...spec,
      topicName: topicNameOf(spec.name),
      ...(spec.topic.latestState ? { latestStateTopicName: latestStateTopicNameOf(spec.name) } : {}),
      subject: subjectOf(spec.name),
      schemaId: registered.id,
      schemaVersion: registered.version,
      revision: previous?.revision ?? 1,
      createdAt: previous?.createdAt ?? now,
      updatedAt: now,
    };
  }

  async create(principal: Principal, body: unknown): Promise<EventType> {
    const checked = validateEventTypeCreate(body);
    if (!checked.ok) throw invalid(checked.errors);
    const { name } = checked.value;
    if (checked.value.owner !== undefined && checked.value.owner !== principal.id && !principal.admin) {
      throw new HttpProblem('forbidden', 'Only an admin may declare a type for another owner', { detail: `'${principal.id}' may not set owner '${checked.value.owner}'` });
    }
    if (this.deps.catalog.get(name)) throw new HttpProblem('already_exists', 'Event type exists', { detail: `event type ${name} already exists` });
    const spec = this.spec(principal, name, checked.value, undefined);
    const subject = subjectOf(name);
    let registered: RegisteredVersion;
    try {
      await this.deps.registry.setCompatibility(subject, spec.compatibility);
      registered = await this.deps.registry.register(subject, schemaText(spec.schema));
    } catch (err) {
      throw registryProblem(err, subject);
    }
    await this.createTopics(spec);
    try {
      return await this.deps.catalog.create(this.stored(spec, registered));
    } catch (err) {
      throw catalogProblem(err);
    }
  }

  async update(principal: Principal, name: string, body: unknown): Promise<EventType> {
    const current = this.get(name);
    if (!canAdminister(principal, current)) throw new HttpProblem('forbidden', 'Only the owner or an admin may change this type', { detail: `'${principal.id}' does not own ${name}` });
    const checked = validateEventTypeUpdate(body);
    if (!checked.ok) throw invalid(checked.errors);
    const spec = this.spec(principal, name, checked.value, current.owner);
    if (spec.owner !== current.owner && !principal.admin && principal.id !== current.owner) {
      throw new HttpProblem('forbidden', 'Only the owner or an admin may hand a type over', { detail: `'${principal.id}' may not set owner '${spec.owner}'` });
    }
    const immutable = changedImmutableFields(current, spec);
    if (immutable.length > 0) {
      throw new HttpProblem('immutable_field', 'These fields cannot change', {
        detail: `${immutable.join(', ')} cannot change: it would change the meaning or order of what is stored; declare a new type instead`,
        extensions: { fields: immutable },
      });
    }
    const registered = await this.updateSchema(current, spec);
    if (spec.topic.retentionMs !== current.topic.retentionMs) {
      await this.deps.admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: 2, name: current.topicName, configEntries: [{ name: 'retention.ms', value: String(spec.topic.retentionMs) }] }],
      });
    }
    if (spec.topic.latestState && !current.topic.latestState) await this.createTopics(spec);
    try {
      return await this.deps.catalog.update(this.stored(spec, registered, current), current.revision);
    } catch (err) {
      throw catalogProblem(err);
    }
  }

  /**
   * Registers a changed schema if the registry finds it compatible at the type's (new) level.
   * A level change is applied first, so the check uses it, and undone if the schema is refused.
   */
  private async updateSchema(current: EventType, spec: EventTypeSpec): Promise<RegisteredVersion> {
    const { registry } = this.deps;
    const subject = current.subject;
    const text = schemaText(spec.schema);
    try {
      if (spec.compatibility !== current.compatibility) await registry.setCompatibility(subject, spec.compatibility);
      try {
        return await registry.lookup(subject, text);
      } catch (err) {
        if (!(err instanceof RegistryRequestError) || (err.errorCode !== 40403 && err.errorCode !== 40401)) throw err;
      }
      const check = await registry.checkCompatibility(subject, text);
      if (!check.compatible) {
        if (spec.compatibility !== current.compatibility) await registry.setCompatibility(subject, current.compatibility);
        throw new HttpProblem('incompatible_schema', 'Incompatible schema change', {
          detail: `the new schema is not ${spec.compatibility}-compatible with ${subject}: ${check.messages.join('; ')}`,
          extensions: { messages: check.messages },
        });
      }
      return await registry.register(subject, text);
    } catch (err) {
      if (err instanceof HttpProblem) throw err;
      throw registryProblem(err, subject);
    }
  }

  async remove(principal: Principal, name: string): Promise<void> {
    const current = this.get(name);
    if (!canAdminister(principal, current)) throw new HttpProblem('forbidden', 'Only the owner or an admin may delete this type', { detail: `'${principal.id}' does not own ${name}` });
    try {
      await this.deps.catalog.remove(name, current.revision);
    } catch (err) {
      throw catalogProblem(err);
    }
  }
}
