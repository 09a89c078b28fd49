// A replay job as clients declare it, as Herald records it in `_herald.replays`, and the
// progress the runner checkpoints there. Offsets are decimal strings: Kafka's are 64-bit.
import type { Pattern } from '@herald/patterns';

export type ReplaySource =
  /** The history of event types (`events.<type>`), or their latest state (mode `latest`). */
  | { eventTypes: string[] }
  /** What the router delivered to a subscription, or dead-lettered for it. */
  | { subscription: string; topic: 'destination' | 'dead-letter' };

export type RangeStart =
  | { earliest: true }
  /** The first record at or after the time (RFC 3339), per partition. */
  | { timestamp: string }
  /** An offset per partition; partitions not listed start at their earliest offset. */
  | { offsets: Array<{ topic?: string; partition: number; offset: string }> };

export type RangeEnd =
  /** Up to the end as it is when the job starts. */
  | { latest: true }
  /** Up to, not including, the first record at or after the time (RFC 3339). */
  | { timestamp: string };

/** What guards a table row: only a change with a version at least the row's replaces it. */
export const versionSources = ['offset', 'sequence', 'recordedtime'] as const;
export type VersionSource = (typeof versionSources)[number];

export type ReplayTarget =
  /** `replay.*` topics are created when missing; a subscription's topic needs its owner or an admin. */
  | { kind: 'topic'; topic: string }
  | { kind: 'postgres'; table: string; version?: VersionSource; deleteWhen?: Pattern }
  | { kind: 'http'; url: string; batchSize?: number };

export const replayModes = ['history', 'latest'] as const;
export type ReplayMode = (typeof replayModes)[number];

/** What a client sends to POST /v1/replays. */
export interface ReplayRequest {
  description?: string;
  source: ReplaySource;
  from?: RangeStart;
  to?: RangeEnd;
  mode?: ReplayMode;
  pattern?: Pattern;
  target: ReplayTarget;
  /** Events per second, at most. */
  rateLimit?: number;
  dryRun?: boolean;
}

/** The request with its defaults filled in. */
export interface ReplaySpec extends ReplayRequest {
  from: RangeStart;
  to: RangeEnd;
  mode: ReplayMode;
  dryRun: boolean;
}

export const controls = ['run', 'pause', 'cancel'] as const;
export type Control = (typeof controls)[number];

/** A job as `_herald.replays` keeps it (key: its id). Changed by the API; followed by the runner. */
export interface ReplayJob {
  /** The job id (a UUIDv7): the record's key. */
  name: string;
  kind: 'replay' | 'redrive';
  owner: string;
  spec: ReplaySpec;
  /** What the job should be doing; the runner follows it. */
  control: Control;
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export const jobStates = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof jobStates)[number];
export const finalStates: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

/**
 * The phases a job goes through. `history`: one pass over fixed ranges. `latest`: `snapshot`
 * (the latest-state topics: compaction keeps the newest per key, eventually) and, for types
 * without one, `scan` (their history), each keeping the newest event per key in memory; `emit`
 * writes those; then `tail`: the events after what the latest-state topics hold.
 */
export type Phase = 'history' | 'snapshot' | 'tail' | 'scan' | 'emit';

/** One source partition's range and how far the job got. */
export interface Segment {
  topic: string;
  partition: number;
  phase: Phase;
  /** The first offset (a `tail` starts past it, where the snapshot leaves off). */
  start: string;
  /** Fixed when the job starts: the job reads up to, not including, this offset. */
  end: string;
  /** The next offset to read; null for a `tail` until the snapshot is read. */
  position: string | null;
  read: number;
  matched: number;
}

export interface Counts {
  /** Records read from the sources. */
  read: number;
  /** Events that passed the pattern (all, without one): what is (or, dry, would be) replayed. */
  matched: number;
  /** Events (or rows) the target accepted. */
  written: number;
  /** Events the target skipped as already applied (version guard), or tombstones a target cannot take. */
  skipped: number;
  /** Rows deleted (PostgreSQL). */
  deleted: number;
  /** Records whose signature does not verify, or that are not Herald events: never replayed. */
  rejected: number;
}

export interface Progress {
  /** The job id. */
  name: string;
  state: JobState;
  phase: Phase;
  segments: Segment[];
  counts: Counts;
  /** Phase `emit`: how many of the kept keys were written. */
  emitted?: number;
  /** Events per second over the last few seconds. */
  rate: number;
  startedAt?: string;
  updatedAt: string;
  finishedAt?: string;
  error?: { code: string; message: string };
}

export const emptyCounts = (): Counts => ({ read: 0, matched: 0, written: 0, skipped: 0, deleted: 0, rejected: 0 });

/** The job as the API shows it: the record, its progress, and what follows from them. */
export interface JobView {
  id: string;
  kind: ReplayJob['kind'];
  owner: string;
  spec: ReplaySpec;
  control: Control;
  state: JobState;
  phase: Phase | null;
  counts: Counts;
  /** Per source partition; `position` is the next offset to read. */
  partitions: Array<Segment & { remaining: string }>;
  /** Records left to read in fixed ranges (unknown parts not counted), and the share done. */
  remaining: number;
  percent: number | null;
  rate: number;
  /** Seconds left at the current rate; null when unknown. */
  etaSeconds: number | null;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
}
