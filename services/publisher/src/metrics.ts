// The publisher's metrics, named in one place; call sites say what happened.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface PublisherMetrics {
  published(type: string, events: number, bytes: number, seconds: number): void;
  duplicates(type: string, events: number): void;
  rejected(reason: string): void;
  kafkaError(): void;
  watch(gauges: { dedupeEntries: () => number; kafkaAvailable: () => boolean }): void;
}

export function createPublisherMetrics(registry: Registry): PublisherMetrics {
  const events = new Counter({ name: 'herald_publisher_events_total', help: 'Events written to Kafka, by event type', labelNames: ['type'] as const, registers: [registry] });
  const bytes = new Counter({
    name: 'herald_publisher_bytes_total',
    help: 'Bytes written to Kafka (key, value and headers), by event type',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'herald_publisher_publish_duration_seconds',
    help: 'Time from request to Kafka acknowledgement of successful publishes, by event type',
    labelNames: ['type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const duplicates = new Counter({
    name: 'herald_publisher_duplicates_total',
    help: 'Events not written again because their (source, id) was in the dedupe window',
    labelNames: ['type'] as const,
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'herald_publisher_rejections_total',
    help: 'Requests refused, by problem code (invalid_event, forbidden, rate_limited, kafka_unavailable, ...)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const kafkaErrors = new Counter({ name: 'herald_publisher_kafka_errors_total', help: 'Failed or unacknowledged writes to Kafka', registers: [registry] });
  let watched: { dedupeEntries: () => number; kafkaAvailable: () => boolean } | undefined;
  new Gauge({
    name: 'herald_publisher_dedupe_entries',
    help: '(source, id) pairs in the dedupe window',
    registers: [registry],
    collect() {
      if (watched) this.set(watched.dedupeEntries());
    },
  });
  new Gauge({
    name: 'herald_publisher_kafka_available',
    help: '1 while publishes are taken, 0 while the Kafka breaker is open',
    registers: [registry],
    collect() {
      if (watched) this.set(watched.kafkaAvailable() ? 1 : 0);
    },
  });
  return {
    published(type, n, size, seconds) {
      events.inc({ type }, n);
      bytes.inc({ type }, size);
      latency.observe({ type }, seconds);
    },
    duplicates: (type, n) => duplicates.inc({ type }, n),
    rejected: (reason) => rejections.inc({ reason }),
    kafkaError: () => kafkaErrors.inc(),
    watch(gauges) {
      watched = gauges;
    },
  };
}
