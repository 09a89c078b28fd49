// The replay service's metrics, named in one place; call sites say what happened. A replay job is
// labelled `replay_job`: Prometheus sets `job` itself on every scrape.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Counts, JobState } from './jobs/model.js';

export interface JobGauges {
  /** Per running job: its target kind, rate (events/s) and seconds since its last checkpoint. */
  running: () => Array<{ job: string; target: string; rate: number; checkpointAgeSeconds: number }>;
  /** Jobs known, by state. */
  states: () => Map<JobState, number>;
}

export interface ReplayMetrics {
  /** Adds what a job did since the last call. */
  counted(job: string, target: string, delta: Partial<Counts>): void;
  error(job: string, code: string): void;
  checkpoint(job: string): void;
  rewind(outcome: 'applied' | 'dry_run' | 'refused'): void;
  rejected(reason: string): void;
  watch(gauges: JobGauges): void;
}

export function createReplayMetrics(registry: Registry): ReplayMetrics {
  const events = new Counter({
    name: 'herald_replay_events_total',
    help: 'Events a replay job read, matched, wrote, skipped (already applied), deleted (rows) or rejected (signature), by job and target',
    labelNames: ['replay_job', 'target', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new Counter({ name: 'herald_replay_errors_total', help: 'Errors of replay jobs (retried or fatal), by job and code', labelNames: ['replay_job', 'code'] as const, registers: [registry] });
  const checkpoints = new Counter({ name: 'herald_replay_checkpoints_total', help: 'Checkpoints written to the replays topic, by job', labelNames: ['replay_job'] as const, registers: [registry] });
  const rewinds = new Counter({ name: 'herald_replay_rewinds_total', help: 'Consumer-group rewinds, by outcome', labelNames: ['outcome'] as const, registers: [registry] });
  const rejections = new Counter({ name: 'herald_replay_rejections_total', help: 'API requests refused, by problem code', labelNames: ['reason'] as const, registers: [registry] });
  let watched: JobGauges | undefined;
  new Gauge({
    name: 'herald_replay_rate_events_per_second',
    help: 'Events per second a running job reads, over its last few seconds',
    labelNames: ['replay_job', 'target'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const job of watched?.running() ?? []) this.set({ replay_job: job.job, target: job.target }, job.rate);
    },
  });
  new Gauge({
    name: 'herald_replay_checkpoint_age_seconds',
    help: 'Seconds since a running job last checkpointed its progress',
    labelNames: ['replay_job'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const job of watched?.running() ?? []) this.set({ replay_job: job.job }, job.checkpointAgeSeconds);
    },
  });
  new Gauge({
    name: 'herald_replay_jobs',
    help: 'Replay jobs known to the replays topic, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const [state, count] of watched?.states() ?? []) this.set({ state }, count);
    },
  });
  return {
    counted(job, target, delta) {
      for (const [outcome, value] of Object.entries(delta)) if (value) events.inc({ replay_job: job, target, outcome }, value);
    },
    error: (job, code) => errors.inc({ replay_job: job, code }),
    checkpoint: (job) => checkpoints.inc({ replay_job: job }),
    rewind: (outcome) => rewinds.inc({ outcome }),
    rejected: (reason) => rejections.inc({ reason }),
    watch(gauges) {
      watched = gauges;
    },
  };
}
