// One job being run: it takes the job's transactional id (fencing any earlier runner of the same
// job, a crashed or paused instance), reads its last checkpoint, and goes through its phases:
// reads each source partition from its position to its fixed end, in order, filters, and
// hands batches to the target. Progress is checkpointed to the replays topic: in the same
// transaction as a topic target's records, else after the target has the batch. A job stops
// when it is done, failed, paused, cancelled, or the instance shuts down or stops being the
// runner; a stopped job resumes from its checkpoint.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Consumer, Kafka, KafkaMessage, Producer } from 'kafkajs';
import { ROUTING_HEADERS } from '@herald/catalog';
import type { Keyring } from '@herald/envelope';
import { isFenced, type LogRecord } from '@herald/kafka';
import { evaluate, referencesField, type Pattern } from '@herald/patterns';
import type { Logger } from '@herald/runtime';
import type { SchemaCodec } from '@herald/schemas';
import type { ReplayMetrics } from '../metrics.js';
import type { ReplayItem, SinkWriteResult } from '../sinks/sink.js';
import { errorCode, JobError } from './errors.js';
import { DecodeError, decodeData, inspect, patternView } from './events.js';
import { ReplayLog } from './log.js';
import { finalStates, type Counts, type JobState, type Phase, type Progress, type ReplayJob, type Segment } from './model.js';
import { RateMeter, TokenBucket } from './rate.js';

/** Where a job writes, as the run uses it. */
export interface Target {
  kind: string;
  needsData: boolean;
  maxBatch: number;
  maxBatchBytes?: number;
  /** Writes the items; a transactional target writes `checkpoint` in the same transaction and says so. */
  write(items: ReplayItem[], checkpoint: LogRecord, signal: AbortSignal): Promise<SinkWriteResult & { checkpointed: boolean }>;
  close(): Promise<void>;
}

export interface JobRunDeps {
  kafka: Kafka;
  log: ReplayLog;
  logger: Logger;
  keyring: Keyring;
  codec: SchemaCodec;
  metrics: ReplayMetrics;
  /** Prefix of the throwaway consumer groups a job reads with (`<prefix>.<job>.<random>`); they commit nothing. */
  readerGroupPrefix: string;
  /** The job's transactional id: the same on every instance, so a new runner fences the old. */
  transactionalId: (job: string) => string;
  /** Opens the job's target; a topic target writes with `producer`. */
  openTarget: (job: ReplayJob, producer: Producer) => Promise<Target>;
  checkpointIntervalMs: number;
  maxBytesPerPartition: number;
  latestMaxKeys: number;
}

export type StopReason = 'pause' | 'cancel' | 'shutdown' | 'lost';

/** The order of phases: the newest per key (from latest-state topics and histories) is emitted before the tails. */
const PHASES: readonly Phase[] = ['history', 'snapshot', 'scan', 'emit', 'tail'];
/** Phases that keep the newest event per key in memory. */
const KEEPING: ReadonlySet<Phase> = new Set(['snapshot', 'scan', 'emit']);
const segmentKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/** A buffered entry: an item, or only a position reached (records read but not replayed). */
interface Entry {
  segment: Segment;
  item: ReplayItem | undefined;
  position: bigint;
  bytes: number;
}

export class JobRun {
  readonly id: string;
  private producer: Producer | undefined;
  private target: Target | undefined;
  private progress: Progress | undefined;
  private readonly abort = new AbortController();
  private stopReason: StopReason | undefined;
  private failure: unknown;
  private readonly limiter: TokenBucket | undefined;
  private readonly meter = new RateMeter();
  private lastCheckpointAt = performance.now();
  private reported: Counts | undefined;
  private readonly pattern: Pattern | undefined;
  private readonly patternNeedsData: boolean;
  private finished: Promise<void> | undefined;

  constructor(
    private readonly deps: JobRunDeps,
    private readonly job: ReplayJob,
  ) {
    this.id = job.name;
    this.pattern = job.spec.pattern;
    this.patternNeedsData = this.pattern !== undefined && referencesField(this.pattern, 'data');
    this.limiter = job.spec.rateLimit !== undefined ? new TokenBucket(job.spec.rateLimit) : undefined;
  }

  /** Runs the job to its end or until stopped; resolves when it has stopped and checkpointed. */
  run(): Promise<void> {
    this.finished ??= this.execute().catch((error: unknown) => {
      this.deps.logger.error('replay job stopped on an error', { job: this.id, err: error });
    });
    return this.finished;
  }

  /** Asks the job to stop; resolves once it has (checkpointed, its clients closed). */
  async stop(reason: StopReason): Promise<void> {
    this.stopReason ??= reason;
    this.abort.abort(new Error(`replay ${this.id} stopping: ${reason}`));
    await this.finished;
  }

  get targetKind(): string {
    return this.job.spec.target.kind;
  }

  get rate(): number {
    return this.meter.rate;
  }

  get checkpointAgeSeconds(): number {
    return (performance.now() - this.lastCheckpointAt) / 1000;
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async execute(): Promise<void> {
    const { deps, job } = this;
    const producer = deps.kafka.producer({
      transactionalId: deps.transactionalId(this.id),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      // A transaction begun right after the previous commit is refused (CONCURRENT_TRANSACTIONS)
      // until the broker has written its markers: retry soon, as Kafka's own producer does
      // (20 ms, KAFKA-5482), rather than after kafkajs's default 100 ms. 8 retries still wait
      // out about 5 s of a broker being away.
      retry: { retries: 8, initialRetryTime: 20, maxRetryTime: 2000 },
    });
    await producer.connect();
    this.producer = producer;
    try {
      // kafkajs registers the transactional id at the first transaction: this fences an earlier runner.
      await (await producer.transaction()).abort();
      // Read after the fence: every checkpoint of an earlier runner is committed or aborted by now.
      await deps.log.refresh(30_000);
      const stored = deps.log.progressOf(this.id);
      if (!stored) throw new JobError('no_progress', `replay ${this.id} has no progress record`);
      if (finalStates.has(stored.state)) return;
      this.progress = structuredClone(stored);
      const control = deps.log.job(this.id)?.control ?? job.control;
      if (control !== 'run') {
        await this.finish(control === 'cancel' ? 'cancelled' : 'paused');
        return;
      }
      await this.runPhases();
    } catch (error) {
      if (this.stopReason === undefined || this.failure !== undefined) await this.fail(this.failure ?? error);
      else await this.finishStopped();
    } finally {
      await this.target?.close().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
    }
  }

  private async runPhases(): Promise<void> {
    const progress = this.progress!;
    progress.state = 'running';
    progress.startedAt ??= new Date().toISOString();
    this.target = await this.deps.openTarget(this.job, this.producer!);
    await this.checkpoint();
    this.deps.logger.info('replay job running', { job: this.id, phase: progress.phase, target: this.targetKind, dryRun: this.job.spec.dryRun });
    const latest = new Map<string, { item: ReplayItem; segment: Segment }>();
    const kept = progress.segments.some((s) => s.phase === 'snapshot' || s.phase === 'scan');
    // The newest event per key lives in memory only: a job stopped before it has emitted them
    // all reads the snapshot and the history again (and emits only those not emitted yet).
    const resumeAt: Phase = KEEPING.has(progress.phase) ? (PHASES.find((p) => KEEPING.has(p) && progress.segments.some((s) => s.phase === p)) ?? 'emit') : progress.phase;
    for (const phase of PHASES) {
      if (PHASES.indexOf(phase) < PHASES.indexOf(resumeAt)) continue;
      const segments = progress.segments.filter((s) => s.phase === phase);
      if (phase === 'emit' ? !kept : segments.length === 0) continue;
      if (phase === 'snapshot' || phase === 'scan') for (const segment of segments) segment.position = segment.start;
      progress.phase = phase;
      if (phase === 'tail') {
        // The tail starts after the newest event the latest-state topic holds, per partition.
        for (const segment of segments) {
          const start = BigInt(segment.start);
          if (segment.position === null || BigInt(segment.position) < start) segment.position = String(start);
          if (BigInt(segment.position) > BigInt(segment.end)) segment.position = segment.end;
        }
        await this.checkpoint();
      }
      if (phase === 'emit') await this.emit(latest);
      else await this.read(segments, KEEPING.has(phase) ? latest : undefined);
      if (this.stopped) break;
    }
    if (this.stopped) {
      await this.finishStopped();
      return;
    }
    await this.finish('completed');
  }

  // --- Reading -------------------------------------------------------------------------------

  /** Reads the segments to their ends; items go to the target, or (scan) into `latest`. */
  private async read(segments: Segment[], latest: Map<string, { item: ReplayItem; segment: Segment }> | undefined): Promise<void> {
    const active = segments.filter((s) => BigInt(s.position!) < BigInt(s.end));
    if (active.length === 0) return;
    const bySegment = new Map(active.map((s) => [segmentKey(s.topic, s.partition), s]));
    const readPositions = new Map(active.map((s) => [s, BigInt(s.position!)]));
    const tails = new Map(this.progress!.segments.filter((s) => s.phase === 'tail').map((s) => [segmentKey(s.topic, s.partition), s]));
    const failed = (error: unknown) => {
      // Stopping aborts what is waiting (the rate limit, a target's retries): not a failure.
      if (this.abort.signal.aborted && this.failure === undefined) return;
      this.failure ??= error;
      this.stopReason ??= 'cancel';
      this.abort.abort(error);
    };
    const buffer = new Buffered(this, latest === undefined, failed);
    let remaining = active.length;
    let allRead!: () => void;
    const done = new Promise<void>((resolve) => (allRead = resolve));
    const onAbort = () => allRead();
    this.abort.signal.addEventListener('abort', onAbort);

    const consumer: Consumer = this.deps.kafka.consumer({
      groupId: `${this.deps.readerGroupPrefix}.${this.id}.${randomBytes(4).toString('hex')}`,
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxBytesPerPartition: this.deps.maxBytesPerPartition,
      maxWaitTimeInMs: 500,
    });
    const reached = (segment: Segment, position: bigint) => {
      const end = BigInt(segment.end);
      const current = readPositions.get(segment)!;
      const next = position > end ? end : position;
      if (next <= current) return;
      readPositions.set(segment, next);
      buffer.mark(segment, next);
      if (next >= end) {
        consumer.pause([{ topic: segment.topic, partitions: [segment.partition] }]);
        if (--remaining === 0) allRead();
      }
    };
    // Batches of control records only (transaction markers) or aborted records never reach
    // eachBatch; kafkajs reports how far they went here.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (this.stopped) return;
      const segment = bySegment.get(segmentKey(payload.topic, payload.partition));
      if (segment) reached(segment, BigInt(payload.lastOffset) + 1n);
      void buffer.flushIfDue().catch(failed);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) failed(new JobError('source_unavailable', `reading the source failed: ${payload.error.message}`, { cause: payload.error }));
    });

    try {
      await consumer.connect();
      for (const topic of new Set(active.map((s) => s.topic))) await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch, heartbeat }) => {
          const segment = bySegment.get(segmentKey(batch.topic, batch.partition));
          if (!segment || this.stopped) {
            if (!segment) consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            return;
          }
          try {
            const end = BigInt(segment.end);
            let position = readPositions.get(segment)!;
            for (const message of batch.messages) {
              if (this.stopped) return;
              const offset = BigInt(message.offset);
              if (offset < position) continue;
              if (offset >= end) break;
              const item = await this.accept(segment, message, tails);
              position = offset + 1n;
              if (item && latest) this.keep(latest, item, segment);
              else if (item) buffer.add(segment, item, position);
              if (!latest) await buffer.flushIfFull();
              // A rate-limited job spends long in one batch: write (and show) its progress as it goes.
              if (this.limiter && !latest) void buffer.flushIfDue().catch(failed);
            }
            if (this.stopped) return;
            // Past the last record, and past the control records (transaction markers) after it.
            const last = BigInt(batch.lastOffset()) + 1n;
            reached(segment, last > position ? last : position);
            void buffer.flushIfDue().catch(failed);
            await heartbeat();
          } catch (error) {
            failed(error);
          }
        },
      });
      for (const segment of active) consumer.seek({ topic: segment.topic, partition: segment.partition, offset: String(readPositions.get(segment)) });
      await done;
      await consumer.stop();
      if (this.failure !== undefined) throw this.failure;
      if (this.stopped) return;
      await buffer.flushAll();
      if (latest) {
        // Scan positions move in memory only; the phase is complete once every segment is read.
        for (const [segment, position] of readPositions) segment.position = String(position);
      }
    } finally {
      this.abort.signal.removeEventListener('abort', onAbort);
      await consumer.disconnect().catch(() => undefined);
    }
  }

  /** Reads one record: counts it, checks it, filters it; the item to replay, or undefined. */
  private async accept(segment: Segment, message: KafkaMessage, tails: Map<string, Segment>): Promise<ReplayItem | undefined> {
    const progress = this.progress!;
    progress.counts.read++;
    segment.read++;
    const headers = message.headers ?? {};
    const record = { key: message.key, value: message.value, headers };
    const inspection = inspect(record, this.deps.keyring, this.pattern !== undefined || this.target!.needsData || KEEPING.has(segment.phase));
    if (inspection.kind === 'rejected') {
      progress.counts.rejected++;
      this.deps.logger.warn('replay skipped a record that is not a verified Herald event', { job: this.id, topic: segment.topic, partition: segment.partition, offset: message.offset, reason: inspection.reason });
      return undefined;
    }
    if (inspection.kind === 'tombstone') {
      progress.counts.skipped++;
      return undefined;
    }
    const { attributes } = inspection;
    const item: ReplayItem = {
      topic: segment.topic,
      partition: segment.partition,
      offset: message.offset,
      key: message.key,
      value: message.value,
      headers,
      timestamp: message.timestamp,
      attributes,
    };
    if (segment.phase === 'snapshot') {
      const originOffset = headerString(headers[ROUTING_HEADERS.originOffset]);
      const originPartition = headerString(headers[ROUTING_HEADERS.originPartition]);
      const originTopic = headerString(headers[ROUTING_HEADERS.originTopic]);
      if (originOffset !== undefined && originPartition !== undefined && originTopic !== undefined) {
        item.origin = { topic: originTopic, partition: Number(originPartition), offset: originOffset };
        // Whether or not the pattern keeps it: the tail starts after every event the snapshot holds.
        this.noteTailStart(item, tails);
      }
    }
    if (this.patternNeedsData || this.target!.needsData) {
      const data = await this.decode(item);
      if (data === DECODE_FAILED) return undefined;
      item.data = data;
    }
    // With a pattern, the attributes were read (inspect was asked for them).
    if (this.pattern !== undefined && !evaluate(this.pattern, patternView(attributes!, item.data))) return undefined;
    if (this.limiter) await this.limiter.take(1, this.abort.signal);
    return item;
  }

  private async decode(item: ReplayItem): Promise<unknown> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await decodeData(this.deps.codec, item.attributes!, item.value!);
      } catch (error) {
        if (!(error instanceof DecodeError)) throw error;
        this.deps.metrics.error(this.id, error.retriable ? 'registry_unavailable' : 'undecodable_data');
        if (!error.retriable) {
          this.progress!.counts.rejected++;
          this.deps.logger.warn('replay skipped an event whose data cannot be decoded', { job: this.id, topic: item.topic, partition: item.partition, offset: item.offset, err: error });
          return DECODE_FAILED;
        }
        // The registry is down: wait for it, as long as the job runs.
        await sleep(Math.min(5000, 200 * 2 ** Math.min(attempt, 5)), undefined, { signal: this.abort.signal });
      }
    }
  }

  /** The tail of an event topic starts after the newest event of its partition in the latest-state topic. */
  private noteTailStart(item: ReplayItem, tails: Map<string, Segment>): void {
    if (!item.origin) return;
    const tail = tails.get(segmentKey(item.origin.topic, item.origin.partition));
    if (!tail) return;
    const next = BigInt(item.origin.offset) + 1n;
    if (tail.position === null || BigInt(tail.position) < next) tail.position = String(next);
  }

  private keep(latest: Map<string, { item: ReplayItem; segment: Segment }>, item: ReplayItem, segment: Segment): void {
    const key = `${item.attributes!.type}\u0000${item.attributes!.partitionkey}`;
    // Re-inserted, so the map's order is the order of each key's newest event.
    latest.delete(key);
    latest.set(key, { item, segment });
    if (latest.size > this.deps.latestMaxKeys) {
      throw new JobError(
        'too_many_keys',
        `more than ${this.deps.latestMaxKeys} keys (HERALD_REPLAY_LATEST_MAX_KEYS) to keep in memory, the newest event of each: raise the limit, narrow the job with a pattern, or replay the history (into a table, its version guard keeps the newest per key too)`,
      );
    }
  }

  /** Phase `emit`: writes the kept newest event of every key, from where an earlier run left off. */
  private async emit(latest: Map<string, { item: ReplayItem; segment: Segment }>): Promise<void> {
    const progress = this.progress!;
    const target = this.target!;
    // In the order of where each kept event was read: the same in every run of the job (the
    // order partitions interleave in is not), so a resumed emit skips exactly what was emitted.
    const kept = [...latest.values()].sort((a, b) => compareSource(a.item, b.item));
    let next = progress.emitted ?? 0;
    while (next < kept.length && !this.stopped) {
      const chunk = kept.slice(next, next + target.maxBatch);
      for (const { segment } of chunk) segment.matched++;
      progress.counts.matched += chunk.length;
      next += chunk.length;
      await this.write(
        chunk.map((k) => k.item),
        new Map(),
        next,
      );
    }
  }

  // --- Writing and checkpoints ---------------------------------------------------------------

  get activeTarget(): Target {
    return this.target!;
  }

  get counts(): Counts {
    return this.progress!.counts;
  }

  /**
   * Writes items to the target and moves the segments to `positions`. A transactional target
   * commits the checkpoint of that progress in the same transaction; others checkpoint after
   * writing, once the checkpoint interval has passed.
   */
  async write(items: ReplayItem[], positions: Map<Segment, bigint>, emitted?: number): Promise<void> {
    const target = this.target!;
    const progress = this.progress!;
    this.meter.sample(progress.counts.read);
    const result = items.length === 0 ? { written: 0, skipped: 0, checkpointed: false } : await target.write(items, this.progressRecord(positions, items, emitted), this.abort.signal);
    for (const [segment, position] of positions) segment.position = String(position);
    if (emitted !== undefined) progress.emitted = emitted;
    progress.counts.written += result.written;
    progress.counts.skipped += result.skipped;
    progress.counts.deleted += result.deleted ?? 0;
    if (result.checkpointed) this.checkpointed();
    else if (performance.now() - this.lastCheckpointAt >= this.deps.checkpointIntervalMs) await this.checkpoint();
    this.report();
  }

  /** The checkpoint of the progress once `items` are written: what a transactional target commits with them. */
  private progressRecord(positions: Map<Segment, bigint>, items: ReplayItem[], emitted: number | undefined): LogRecord {
    const progress = this.progress!;
    // Only a topic target is transactional; it writes every item but tombstones.
    const written = this.target!.kind === 'topic' ? items.filter((i) => i.value !== null).length : 0;
    return ReplayLog.progressRecord({
      ...progress,
      counts: { ...progress.counts, written: progress.counts.written + written },
      segments: progress.segments.map((s) => (positions.has(s) ? { ...s, position: String(positions.get(s)) } : s)),
      ...(emitted !== undefined ? { emitted } : {}),
      updatedAt: new Date().toISOString(),
      rate: this.meter.rate,
    });
  }

  private async checkpoint(): Promise<void> {
    const progress = this.progress!;
    progress.updatedAt = new Date().toISOString();
    progress.rate = this.meter.rate;
    const record = ReplayLog.progressRecord(progress);
    const transaction = await this.producer!.transaction();
    try {
      await transaction.send({ topic: this.deps.log.topic, acks: -1, messages: [{ key: record.key, value: record.value }] });
      await transaction.commit();
    } catch (error) {
      await transaction.abort().catch(() => undefined);
      if (isFenced(error)) throw new JobError('fenced', `another instance runs replay ${this.id} now`, { cause: error });
      throw error;
    }
    this.checkpointed();
  }

  private checkpointed(): void {
    this.lastCheckpointAt = performance.now();
    this.deps.metrics.checkpoint(this.id);
  }

  /** Adds what the job did since the last report to the metrics. */
  private report(): void {
    const counts = this.progress!.counts;
    const before = this.reported;
    const delta: Partial<Counts> = {};
    for (const name of Object.keys(counts) as (keyof Counts)[]) delta[name] = counts[name] - (before?.[name] ?? 0);
    this.deps.metrics.counted(this.id, this.targetKind, delta);
    this.reported = { ...counts };
  }

  /** The state the run last checkpointed. */
  get lastState(): JobState | undefined {
    return this.progress?.state;
  }

  private async finish(state: JobState, error?: { code: string; message: string }): Promise<void> {
    const progress = this.progress!;
    progress.state = state;
    if (finalStates.has(state)) progress.finishedAt = new Date().toISOString();
    if (error) progress.error = error;
    if (state === 'completed') progress.rate = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.checkpoint();
        break;
      } catch (err) {
        if (err instanceof JobError && err.code === 'fenced') return;
        if (attempt >= 5) throw err;
        await sleep(200 * attempt);
      }
    }
    this.report();
    this.deps.logger.info(`replay job ${state}`, { job: this.id, counts: progress.counts, ...(error ? { error } : {}) });
  }

  private async finishStopped(): Promise<void> {
    if (!this.progress) return;
    const reason = this.stopReason ?? 'shutdown';
    if (reason === 'lost') return; // Another instance runs it now; its checkpoints count.
    await this.finish(reason === 'cancel' ? 'cancelled' : reason === 'pause' ? 'paused' : 'pending');
  }

  private async fail(error: unknown): Promise<void> {
    const code = errorCode(error);
    if (code === 'fenced' || isFenced(error)) {
      this.deps.logger.warn('replay job taken over by another instance', { job: this.id });
      return;
    }
    this.deps.metrics.error(this.id, code);
    const message = error instanceof Error ? error.message : String(error);
    this.deps.logger.error('replay job failed', { job: this.id, code, err: error });
    if (!this.progress) {
      const stored = this.deps.log.progressOf(this.id);
      if (!stored) return;
      this.progress = structuredClone(stored);
    }
    await this.finish('failed', { code, message: message.slice(0, 2000) });
  }
}

const DECODE_FAILED = Symbol('decode failed');

function compareSource(a: ReplayItem, b: ReplayItem): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  const offsets = BigInt(a.offset) - BigInt(b.offset);
  return offsets < 0n ? -1 : offsets > 0n ? 1 : 0;
}

function headerString(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) return undefined;
  return Buffer.isBuffer(first) ? first.toString('utf8') : String(first);
}

/**
 * Items read but not yet written, with the positions they take each segment to. A flush takes
 * up to a batch of items (and the positions reached after them) and writes them with the
 * progress that follows.
 */
class Buffered {
  private entries: Entry[] = [];
  private items = 0;
  private bytes = 0;
  private lastFlushAt = performance.now();
  private chain: Promise<void> = Promise.resolve();
  /** Full batches whose write was started and has not ended. */
  private scheduled = 0;
  private error: unknown;

  constructor(
    private readonly run: JobRun,
    /** false: scanning (nothing is written; positions move in memory). */
    private readonly writes: boolean,
    /** Told of a failed write that nobody awaits. */
    private readonly onError: (error: unknown) => void,
  ) {}

  add(segment: Segment, item: ReplayItem, position: bigint): void {
    const bytes = (item.key?.length ?? 0) + (item.value?.length ?? 0) + 400;
    this.entries.push({ segment, item, position, bytes });
    this.items++;
    this.bytes += bytes;
    segment.matched++;
    this.run.counts.matched++;
  }

  mark(segment: Segment, position: bigint): void {
    if (!this.writes) return;
    const last = this.entries.at(-1);
    if (last && last.item === undefined && last.segment === segment) last.position = position;
    else this.entries.push({ segment, item: undefined, position, bytes: 0 });
  }

  /**
   * Starts writing when a batch is full, and returns at once while fewer than MAX_IN_FLIGHT
   * writes wait: the next records are read, checked and decoded while the target takes the
   * batch before. Writes still go one after the other, each checkpointed after it.
   */
  async flushIfFull(): Promise<void> {
    if (this.error !== undefined) throw this.error;
    const target = this.run.activeTarget;
    const batches = Math.max(Math.floor(this.items / target.maxBatch), target.maxBatchBytes === undefined ? 0 : Math.floor(this.bytes / target.maxBatchBytes));
    if (batches <= this.scheduled) return;
    this.scheduled++;
    const write = this.flush('full').finally(() => this.scheduled--);
    write.catch(this.onError);
    if (this.scheduled >= MAX_IN_FLIGHT) await write;
  }

  /** Flushes full batches, and whatever there is when nothing was flushed for a while. */
  flushIfDue(): Promise<void> {
    return this.flush('due');
  }

  /** Writes everything buffered; throws if any write failed. */
  async flushAll(): Promise<void> {
    await this.flush('all');
    if (this.error !== undefined) throw this.error;
  }

  private flush(mode: 'full' | 'due' | 'all'): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.error !== undefined) throw this.error;
      const target = this.run.activeTarget;
      const full = () => this.items >= target.maxBatch || (target.maxBatchBytes !== undefined && this.bytes >= target.maxBatchBytes);
      const due = () => mode === 'all' || (mode === 'due' && performance.now() - this.lastFlushAt >= FLUSH_AFTER_MS);
      while (this.entries.length > 0 && (full() || due())) {
        await this.flushOne(target);
        if (mode !== 'all' && !full()) break;
      }
    });
    this.chain = next.catch((error: unknown) => {
      // A failed write fails the job: nothing after it is written or checkpointed.
      this.error ??= error;
      this.entries = [];
    });
    return next;
  }

  private async flushOne(target: Target): Promise<void> {
    const positions = new Map<Segment, bigint>();
    const items: ReplayItem[] = [];
    let bytes = 0;
    let taken = 0;
    for (const entry of this.entries) {
      if (entry.item !== undefined) {
        if (items.length >= target.maxBatch || (target.maxBatchBytes !== undefined && items.length > 0 && bytes + entry.bytes > target.maxBatchBytes)) break;
        items.push(entry.item);
        bytes += entry.bytes;
      }
      positions.set(entry.segment, entry.position);
      taken++;
    }
    this.entries = this.entries.slice(taken);
    this.items -= items.length;
    this.bytes -= bytes;
    this.lastFlushAt = performance.now();
    await this.run.write(items, positions);
  }
}

/** A partly filled batch is written once nothing was flushed for this long (slow or rate-limited sources). */
const FLUSH_AFTER_MS = 200;
/** Full batches being written or waiting to be, before reading waits for them. */
const MAX_IN_FLIGHT = 2;
