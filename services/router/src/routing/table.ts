// The subscriptions as the routing loop uses them: per event type, the subscriptions without a
// pattern, and two compiled matchers, one for patterns over attributes only (never decode the
// data) and one for patterns that test `data` (decode it once for all of them). A table is
// immutable: a change builds a new one, and each transaction routes with one table.
import { check, compile, referencesField, type CompiledPatterns, type Pattern } from '@herald/patterns';
import type { Subscription } from '@herald/catalog';

export interface TypeRoutes {
  /** Subscriptions that take every event of the type. */
  always: readonly Subscription[];
  attributes: CompiledPatterns | undefined;
  data: CompiledPatterns | undefined;
  /** The subscriptions `data` matches for: the ones that fail when the data cannot be decoded. */
  dataSubscriptions: readonly Subscription[];
  /**
   * State types with a latest-state topic: every event of the type is written there too, in the
   * same transactions, so the compacted topic ends with the newest state per key.
   */
  latestStateTopic: string | undefined;
}

/** What the table needs of an event type. */
export interface RoutedType {
  name: string;
  latestStateTopicName?: string;
}

export class RouteTable {
  private readonly byType = new Map<string, TypeRoutes>();
  readonly subscriptions: ReadonlyMap<string, Subscription>;
  /**
   * Subscriptions left out because their pattern is invalid. The API refuses such patterns; one
   * written to the topic by other means must not stop the routing of every other subscription.
   */
  readonly invalid: ReadonlyArray<{ name: string; reason: string }>;

  constructor(subscriptions: Iterable<Subscription>, eventTypes: Iterable<RoutedType> = []) {
    const all = new Map<string, Subscription>();
    const grouped = new Map<string, Subscription[]>();
    const invalid: Array<{ name: string; reason: string }> = [];
    for (const s of subscriptions) {
      const error = s.pattern === undefined ? undefined : check(s.pattern);
      if (error) {
        invalid.push({ name: s.name, reason: error.message });
        continue;
      }
      all.set(s.name, s);
      for (const type of s.eventTypes) {
        const list = grouped.get(type) ?? [];
        list.push(s);
        grouped.set(type, list);
      }
    }
    this.subscriptions = all;
    this.invalid = invalid;
    const stateTopics = new Map<string, string>();
    for (const t of eventTypes) {
      if (t.latestStateTopicName === undefined) continue;
      stateTopics.set(t.name, t.latestStateTopicName);
      if (!grouped.has(t.name)) grouped.set(t.name, []);
    }
    for (const [type, subs] of grouped) {
      const always = subs.filter((s) => s.pattern === undefined);
      const withData = subs.filter((s) => s.pattern !== undefined && referencesField(s.pattern as Pattern, 'data'));
      const attributesOnly = subs.filter((s) => s.pattern !== undefined && !withData.includes(s));
      this.byType.set(type, {
        always,
        attributes: attributesOnly.length > 0 ? compile(attributesOnly.map((s) => ({ id: s.name, pattern: s.pattern as Pattern }))) : undefined,
        data: withData.length > 0 ? compile(withData.map((s) => ({ id: s.name, pattern: s.pattern as Pattern }))) : undefined,
        dataSubscriptions: withData,
        latestStateTopic: stateTopics.get(type),
      });
    }
  }

  routesOf(type: string): TypeRoutes | undefined {
    return this.byType.get(type);
  }

  /** The event types some subscription reads, or that keep a latest-state topic. */
  get eventTypes(): string[] {
    return [...this.byType.keys()];
  }
}
