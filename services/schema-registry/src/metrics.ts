// The registry's metrics, named in one place; call sites say what happened.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { RegistryState } from './state.js';

export interface RegistryMetrics {
  recordApplied(ok: boolean): void;
  written(records: number): void;
  fenced(): void;
  rejected(errorCode: number): void;
}

export function createRegistryMetrics(registry: Registry, state: () => RegistryState): RegistryMetrics {
  const applied = new Counter({
    name: 'herald_schema_registry_records_applied_total',
    help: 'Records of the schema topic applied to memory, by outcome (skipped: unreadable)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const written = new Counter({ name: 'herald_schema_registry_records_written_total', help: 'Records this instance appended to the schema topic', registers: [registry] });
  const fenced = new Counter({
    name: 'herald_schema_registry_writer_fenced_total',
    help: 'Writes retried because another instance took the writer role',
    registers: [registry],
  });
  const rejected = new Counter({
    name: 'herald_schema_registry_rejections_total',
    help: 'Requests answered with a registry error, by Confluent error code (as the other services count their refusals)',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'herald_schema_registry_subjects',
    help: 'Subjects with at least one live version',
    registers: [registry],
    collect() {
      this.set(state().size().subjects);
    },
  });
  new Gauge({
    name: 'herald_schema_registry_schemas',
    help: 'Distinct schemas (ids) held',
    registers: [registry],
    collect() {
      this.set(state().size().schemas);
    },
  });
  return {
    recordApplied: (ok) => applied.inc({ outcome: ok ? 'applied' : 'skipped' }),
    written: (n) => written.inc(n),
    fenced: () => fenced.inc(),
    rejected: (code) => rejected.inc({ reason: String(code) }),
  };
}
