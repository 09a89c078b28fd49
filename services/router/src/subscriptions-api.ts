// Declaring subscriptions: the body is checked (schema, pattern, the event types and the
// caller's grant to read each), the destination and dead-letter topics are created, and the
// subscription is recorded in the catalog, which every router instance follows.
import kafkajs, { type Admin } from 'kafkajs';
import { canAdminister, canRead, type Principal } from '@herald/auth';
import {
  CatalogError,
  DEFAULT_RETRY_POLICY,
  deadLetterTopicOf,
  destinationTopicOf,
  type EventType,
  type EventTypeCatalog,
  type Subscription,
  type SubscriptionCatalog,
  type SubscriptionSpec,
} from '@herald/catalog';
import { ensureTopic, kafkaProblem } from '@herald/kafka';
import { check } from '@herald/patterns';
import { HttpProblem } from '@herald/runtime';
import { invalidPattern, validateSubscriptionCreate, validateSubscriptionUpdate, type SubscriptionCreateBody, type SubscriptionUpdateBody, type ValidationError } from './validation.js';

// kafkajs is CommonJS and spreads its errors into its exports, which Node cannot name for ESM.
const { KafkaJSAggregateError } = kafkajs;

export const SUBSCRIPTION_DEFAULTS = {
  ordering: 'partition',
  then: 'dead-letter',
  /** Retention of the destination and dead-letter topics. */
  retentionMs: 7 * 24 * 3600 * 1000,
} as const;

export interface SubscriptionAdminDeps {
  catalog: Pick<SubscriptionCatalog, 'get' | 'list' | 'create' | 'update' | 'remove'>;
  eventTypes: Pick<EventTypeCatalog, 'get' | 'refresh'>;
  /** Connected. */
  admin: Admin;
  /** Replication factor of created topics; undefined: 3, or fewer brokers. */
  replicationFactor?: number;
  /** Partitions of created topics; 0 or undefined: the most partitions among the types read. */
  destinationPartitions?: number;
}

/** A validated body as the spec it declares, defaults filled in. */
export function subscriptionSpec(
  body: SubscriptionCreateBody | SubscriptionUpdateBody,
  context: { name: string; owner: string; destination?: SubscriptionSpec['destination'] },
): SubscriptionSpec {
  const { name } = context;
  return {
    name,
    description: body.description,
    owner: context.owner,
    eventTypes: body.eventTypes,
    ...(body.pattern !== undefined ? { pattern: body.pattern } : {}),
    destination: context.destination ?? {
      topic: body.destination?.topic ?? destinationTopicOf(name),
      deadLetterTopic: body.destination?.deadLetterTopic ?? deadLetterTopicOf(name),
    },
    ordering: body.ordering ?? SUBSCRIPTION_DEFAULTS.ordering,
    failure: {
      retry: { ...DEFAULT_RETRY_POLICY, ...body.failure?.retry },
      then: body.failure?.then ?? SUBSCRIPTION_DEFAULTS.then,
    },
  };
}

function invalid(errors: ValidationError[]): HttpProblem {
  return new HttpProblem('invalid_request', 'Invalid subscription', { detail: errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '), extensions: { errors } });
}

const notFound = (name: string) => new HttpProblem('not_found', 'No such subscription', { detail: `there is no subscription '${name}'` });

function catalogProblem(err: unknown): unknown {
  if (!(err instanceof CatalogError)) return kafkaProblem(err);
  if (err.code === 'already_exists') return new HttpProblem('already_exists', 'Subscription exists', { detail: err.message });
  if (err.code === 'not_found') return new HttpProblem('not_found', 'No such subscription', { detail: err.message });
  return new HttpProblem('conflict', 'Concurrent change', { detail: err.message });
}

function topicProblem(err: unknown, topic: string): unknown {
  // Kafka refuses a name that differs from an existing topic's only in '.' against '_' (their metrics would collide).
  if (err instanceof KafkaJSAggregateError && err.errors.some((e) => (e as { type?: string }).type === 'INVALID_TOPIC_EXCEPTION')) {
    return new HttpProblem('conflict', 'Kafka refuses the topic name', {
      detail: `Kafka refuses to create ${topic}: its name collides with an existing topic's ('.' and '_' count as the same), or is otherwise invalid`,
      cause: err,
    });
  }
  return kafkaProblem(err);
}

export class SubscriptionAdmin {
  constructor(private readonly deps: SubscriptionAdminDeps) {}

  /** The subscriptions the principal may see, sorted by name. */
  list(principal: Principal): Subscription[] {
    return this.deps.catalog.list().filter((subscription) => this.canSee(principal, subscription));
  }

  get(principal: Principal, name: string): Subscription {
    const subscription = this.current(name);
    if (!this.canSee(principal, subscription)) {
      throw new HttpProblem('forbidden', 'Not a subscription the caller may see', {
        detail: `'${principal.id}' neither owns ${name} nor may read every event type it reads`,
      });
    }
    return subscription;
  }

  async create(principal: Principal, body: unknown): Promise<Subscription> {
    const checked = validateSubscriptionCreate(body);
    if (!checked.ok) throw invalid(checked.errors);
    const { name, owner } = checked.value;
    if (owner !== undefined && owner !== principal.id && !principal.admin) {
      throw new HttpProblem('forbidden', 'Only an admin may declare a subscription for another owner', { detail: `'${principal.id}' may not set owner '${owner}'` });
    }
    this.checkPattern(checked.value.pattern);
    await this.knowTypes(checked.value.eventTypes);
    const types = this.readableTypes(principal, checked.value.eventTypes);
    if (this.deps.catalog.get(name)) throw new HttpProblem('already_exists', 'Subscription exists', { detail: `subscription ${name} already exists` });
    const spec = subscriptionSpec(checked.value, { name, owner: owner ?? principal.id });
    this.checkTopicsFree(spec);
    await this.createTopics(spec, types);
    const now = new Date().toISOString();
    try {
      return await this.deps.catalog.create({ ...spec, createdAt: now, updatedAt: now });
    } catch (err) {
      throw catalogProblem(err);
    }
  }

  async update(principal: Principal, name: string, body: unknown): Promise<Subscription> {
    const current = this.current(name);
    if (!canAdminister(principal, current)) throw new HttpProblem('forbidden', 'Only the owner or an admin may change this subscription', { detail: `'${principal.id}' does not own ${name}` });
    const checked = validateSubscriptionUpdate(body);
    if (!checked.ok) throw invalid(checked.errors);
    const change = checked.value;
    const owner = change.owner ?? current.owner;
    if (owner !== current.owner && !principal.admin && principal.id !== current.owner) {
      throw new HttpProblem('forbidden', 'Only the owner or an admin may hand a subscription over', { detail: `'${principal.id}' may not set owner '${owner}'` });
    }
    const immutable = [
      ...(change.name !== undefined && change.name !== name ? ['name'] : []),
      ...(change.destination?.topic !== undefined && change.destination.topic !== current.destination.topic ? ['destination.topic'] : []),
      ...(change.destination?.deadLetterTopic !== undefined && change.destination.deadLetterTopic !== current.destination.deadLetterTopic ? ['destination.deadLetterTopic'] : []),
    ];
    if (immutable.length > 0) {
      throw new HttpProblem('immutable_field', 'These fields cannot change', {
        detail: `${immutable.join(', ')} cannot change: consumers read the topics by name; create a new subscription instead`,
        extensions: { fields: immutable },
      });
    }
    this.checkPattern(change.pattern);
    const sameTypes = change.eventTypes.length === current.eventTypes.length && change.eventTypes.every((type) => current.eventTypes.includes(type));
    if (!sameTypes) {
      await this.knowTypes(change.eventTypes);
      this.readableTypes(principal, change.eventTypes);
    }
    const spec = subscriptionSpec(change, { name, owner, destination: current.destination });
    try {
      return await this.deps.catalog.update({ ...spec, updatedAt: new Date().toISOString() }, change.revision ?? current.revision);
    } catch (err) {
      throw catalogProblem(err);
    }
  }

  /** Stops the routing; the topics and their contents stay for the consumers still reading them. */
  async remove(principal: Principal, name: string): Promise<void> {
    const current = this.current(name);
    if (!canAdminister(principal, current)) throw new HttpProblem('forbidden', 'Only the owner or an admin may delete this subscription', { detail: `'${principal.id}' does not own ${name}` });
    try {
      await this.deps.catalog.remove(name, current.revision);
    } catch (err) {
      throw catalogProblem(err);
    }
  }

  private current(name: string): Subscription {
    const subscription = this.deps.catalog.get(name);
    if (!subscription) throw notFound(name);
    return subscription;
  }

  /** The owner, an admin, or whoever may read every type it reads (so learns nothing new from it). */
  private canSee(principal: Principal, subscription: Subscription): boolean {
    if (principal.admin || subscription.owner === principal.id) return true;
    return subscription.eventTypes.every((name) => {
      const type = this.deps.eventTypes.get(name);
      return type !== undefined && canRead(principal, type);
    });
  }

  private checkPattern(pattern: unknown): void {
    if (pattern === undefined) return;
    const error = check(pattern);
    if (error) throw invalidPattern(error);
  }

  /** The named types, each of which must exist and be readable by the principal. */
  /**
   * A type declared a moment ago on a publisher may not have reached this instance's catalog
   * yet: read the catalog up to now before saying that a type does not exist.
   */
  private async knowTypes(names: readonly string[]): Promise<void> {
    if (names.some((name) => this.deps.eventTypes.get(name) === undefined)) await this.deps.eventTypes.refresh();
  }

  private readableTypes(principal: Principal, names: readonly string[]): EventType[] {
    const types = names.map((name) => ({ name, type: this.deps.eventTypes.get(name) }));
    const missing = types.filter(({ type }) => type === undefined).map(({ name }) => name);
    if (missing.length > 0) {
      throw new HttpProblem('unknown_event_type', missing.length === 1 ? 'No such event type' : 'No such event types', {
        detail: `there is no event type ${missing.map((name) => `'${name}'`).join(', ')}`,
        extensions: { eventTypes: missing },
      });
    }
    const found = types.map(({ type }) => type!);
    const unreadable = found.filter((type) => !canRead(principal, type)).map((type) => type.name);
    if (unreadable.length > 0) {
      throw new HttpProblem('forbidden', 'Not a reader of every event type', {
        detail: `'${principal.id}' may not read ${unreadable.join(', ')}: ask the owner of the type to add it to the readers`,
        extensions: { eventTypes: unreadable },
      });
    }
    return found;
  }

  /** Two subscriptions writing to one topic would mix their events for the consumers of both. */
  private checkTopicsFree(spec: SubscriptionSpec): void {
    const wanted = [spec.destination.topic, spec.destination.deadLetterTopic];
    for (const other of this.deps.catalog.list()) {
      if (other.name === spec.name) continue;
      const taken = wanted.find((topic) => topic === other.destination.topic || topic === other.destination.deadLetterTopic);
      if (taken !== undefined) throw new HttpProblem('conflict', 'The topic is another subscription’s', { detail: `topic ${taken} is a destination of subscription ${other.name}` });
    }
  }

  private async createTopics(spec: SubscriptionSpec, types: readonly EventType[]): Promise<void> {
    const partitions = this.deps.destinationPartitions || Math.max(...types.map((type) => type.topic.partitions));
    const rf = this.deps.replicationFactor !== undefined ? { replicationFactor: this.deps.replicationFactor } : {};
    for (const topic of [spec.destination.topic, spec.destination.deadLetterTopic]) {
      try {
        // An existing topic is taken as it is: a subscription deleted and declared again finds its topics.
        await ensureTopic(this.deps.admin, {
          topic,
          partitions,
          ...rf,
          configs: { 'cleanup.policy': 'delete', 'retention.ms': String(SUBSCRIPTION_DEFAULTS.retentionMs) },
        });
      } catch (err) {
        throw topicProblem(err, topic);
      }
    }
  }
}
