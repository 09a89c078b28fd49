// `_herald.replays`: a compacted, single-partition topic holding every replay job (key: its
// id) and its progress (key: `<id>/progress`). Every instance follows it into memory. Jobs are
// created and controlled (pause, resume, cancel) through the topic's exclusive writer, so two
// instances cannot change one job at once; progress is written only by the job's runner, with
// the job's own transactional producer, in the same transaction as what it wrote to a topic
// target. Job ids are UUIDs, so the two kinds of keys cannot collide.
import { EventEmitter } from 'node:events';
import type { Kafka } from 'kafkajs';
import { CatalogError } from '@herald/catalog';
import { MetadataLog, type LogRecord } from '@herald/kafka';
import type { Logger } from '@herald/runtime';
import type { Control, Progress, ReplayJob } from './model.js';

const PROGRESS_SUFFIX = '/progress';

export interface ReplayLogOptions {
  kafka: Kafka;
  logger: Logger;
  topic: string;
  replicationFactor?: number;
  /** Shared by every instance: creations and controls take turns through it. */
  transactionalId: string;
}

export class ReplayLog {
  private readonly jobs = new Map<string, ReplayJob>();
  private readonly progress = new Map<string, Progress>();
  private readonly log: MetadataLog;
  private readonly changes = new EventEmitter<{ change: [string] }>();

  constructor(private readonly options: ReplayLogOptions) {
    this.changes.setMaxListeners(0); // one per open progress stream
    this.log = new MetadataLog({
      kafka: options.kafka,
      topic: options.topic,
      logger: options.logger,
      ...(options.replicationFactor !== undefined ? { replicationFactor: options.replicationFactor } : {}),
      groupIdPrefix: 'herald-replay-jobs',
      transactionalId: options.transactionalId,
      onRecord: ({ key, value, offset }) => {
        const name = key?.toString('utf8');
        if (!name) return;
        const isProgress = name.endsWith(PROGRESS_SUFFIX);
        const id = isProgress ? name.slice(0, -PROGRESS_SUFFIX.length) : name;
        const map: Map<string, unknown> = isProgress ? this.progress : this.jobs;
        if (value === null) {
          map.delete(id);
        } else {
          try {
            map.set(id, JSON.parse(value.toString('utf8')));
          } catch {
            options.logger.warn('skipped an unreadable replay record', { topic: options.topic, offset });
            return;
          }
        }
        this.changes.emit('change', id);
      },
    });
  }

  get topic(): string {
    return this.options.topic;
  }

  async start(): Promise<void> {
    await this.log.start();
  }

  get isReady(): boolean {
    return this.log.isReady;
  }

  /** Resolves once every record committed before the call has been applied here. */
  refresh(timeoutMs = 10_000): Promise<void> {
    return this.log.catchUp(timeoutMs);
  }

  job(id: string): ReplayJob | undefined {
    return this.jobs.get(id);
  }

  progressOf(id: string): Progress | undefined {
    return this.progress.get(id);
  }

  /** Every job, oldest first (ids are UUIDv7: they sort by creation time). */
  list(): ReplayJob[] {
    return [...this.jobs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Calls `listener` with the id of every job whose record or progress changes from now on. */
  onChange(listener: (id: string) => void): () => void {
    this.changes.on('change', listener);
    return () => this.changes.off('change', listener);
  }

  /** Records a new job with its initial progress (its fixed ranges), in one transaction. */
  create(job: Omit<ReplayJob, 'revision'>, progress: Progress): Promise<ReplayJob> {
    return this.log.write(() => {
      if (this.jobs.has(job.name)) throw new CatalogError('already_exists', `replay ${job.name} already exists`);
      const stored: ReplayJob = { ...job, revision: 1 };
      return { records: [ReplayLog.progressRecord(progress), { key: stored.name, value: JSON.stringify(stored) }], result: stored };
    });
  }

  /**
   * Sets what the job should be doing, on fresh state: `decide` sees the job and its progress as
   * committed and returns the new control, or undefined to leave the job as it is.
   */
  control(id: string, decide: (job: ReplayJob, progress: Progress | undefined) => Control | undefined): Promise<ReplayJob> {
    return this.log.write(() => {
      const job = this.jobs.get(id);
      if (!job) throw new CatalogError('not_found', `no replay ${id}`);
      const control = decide(job, this.progress.get(id));
      if (control === undefined || control === job.control) return { records: [], result: job };
      const stored: ReplayJob = { ...job, control, revision: job.revision + 1, updatedAt: new Date().toISOString() };
      return { records: [{ key: stored.name, value: JSON.stringify(stored) }], result: stored };
    });
  }

  /** The record that checkpoints a job's progress, for the runner's own transaction. */
  static progressRecord(progress: Progress): LogRecord {
    return { key: `${progress.name}${PROGRESS_SUFFIX}`, value: JSON.stringify(progress) };
  }

  async stop(): Promise<void> {
    await this.log.stop();
  }
}
