// The router's metrics, named in one place; call sites say what happened.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface SubscriptionLag {
  subscription: string;
  records: number;
  seconds: number;
}

export interface RouterMetrics {
  consumed(type: string, records: number): void;
  matched(subscription: string): void;
  delivered(subscription: string, records: number): void;
  deadLettered(subscription: string, code: string): void;
  discarded(subscription: string, code: string): void;
  retried(subscription: string): void;
  quarantined(reason: string): void;
  transaction(outcome: 'committed' | 'aborted' | 'fenced', seconds: number): void;
  rejected(reason: string): void;
  watch(gauges: { lag: () => SubscriptionLag[]; blocked: () => Map<string, number>; assignedPartitions: () => number }): void;
}

export function createRouterMetrics(registry: Registry): RouterMetrics {
  const counter = (name: string, help: string, labelNames: string[]) => new Counter({ name, help, labelNames, registers: [registry] });
  const consumed = counter('herald_router_events_consumed_total', 'Records read from event topics, by event type', ['type']);
  const matched = counter('herald_router_matched_total', 'Events that matched a subscription', ['subscription']);
  const delivered = counter('herald_router_delivered_total', 'Events written to a subscription topic in a committed transaction', ['subscription']);
  const deadLettered = counter('herald_router_dead_lettered_total', 'Events written to a subscription\'s dead-letter topic, by failure code', ['subscription', 'code']);
  const discarded = counter('herald_router_discarded_total', 'Events a subscription could not take and its policy discarded, by failure code', ['subscription', 'code']);
  const retries = counter('herald_router_retries_total', 'Retries of a failed delivery', ['subscription']);
  const quarantined = counter('herald_router_quarantined_total', 'Records sent to the quarantine topic, by reason', ['reason']);
  const rejections = counter('herald_router_rejections_total', 'API requests refused, by problem code', ['reason']);
  const transactions = new Histogram({
    name: 'herald_router_transaction_duration_seconds',
    help: 'Routing transactions (produce + offset commit), by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  let watched: Parameters<RouterMetrics['watch']>[0] | undefined;
  new Gauge({
    name: 'herald_router_subscription_lag_records',
    help: 'Records of the subscription\'s event types not yet routed, over the partitions this instance owns',
    labelNames: ['subscription'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const lag of watched?.lag() ?? []) this.set({ subscription: lag.subscription }, lag.records);
    },
  });
  new Gauge({
    name: 'herald_router_subscription_lag_seconds',
    help: 'Age of the oldest record of the subscription\'s event types not yet routed (0 when caught up)',
    labelNames: ['subscription'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const lag of watched?.lag() ?? []) this.set({ subscription: lag.subscription }, lag.seconds);
    },
  });
  new Gauge({
    name: 'herald_router_blocked_partitions',
    help: 'Input partitions on which a subscription with the block policy is held back',
    labelNames: ['subscription'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [subscription, n] of watched?.blocked() ?? []) this.set({ subscription }, n);
    },
  });
  new Gauge({
    name: 'herald_router_assigned_partitions',
    help: 'Input partitions this instance routes',
    registers: [registry],
    collect() {
      if (watched) this.set(watched.assignedPartitions());
    },
  });
  return {
    consumed: (type, n) => consumed.inc({ type }, n),
    matched: (subscription) => matched.inc({ subscription }),
    delivered: (subscription, n) => delivered.inc({ subscription }, n),
    deadLettered: (subscription, code) => deadLettered.inc({ subscription, code }),
    discarded: (subscription, code) => discarded.inc({ subscription, code }),
    retried: (subscription) => retries.inc({ subscription }),
    quarantined: (reason) => quarantined.inc({ reason }),
    transaction: (outcome, seconds) => transactions.observe({ outcome }, seconds),
    rejected: (reason) => rejections.inc({ reason }),
    watch(gauges) {
      watched = gauges;
    },
  };
}
