// Which instance runs jobs, and which jobs it runs. The instances share one consumer group over
// the single-partition replays topic; the member assigned its partition is the runner. The
// runner runs every job that is not finished (up to a limit at once, oldest first) and follows
// controls as they are recorded: pause and cancel stop a run, resume starts it again. A new
// runner (after a crash, a deploy, a rebalance) resumes each job from its checkpoint; the job's
// transactional id fences the old runner if it is still alive.
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '@herald/runtime';
import type { ReplayLog } from './log.js';
import { finalStates, type JobState, type ReplayJob } from './model.js';
import { JobRun, type JobRunDeps, type StopReason } from './run.js';

export interface RunnerOptions extends JobRunDeps {
  kafka: Kafka;
  log: ReplayLog;
  logger: Logger;
  groupId: string;
  sessionTimeoutMs: number;
  maxConcurrentJobs: number;
}

const RESTART_DELAY_MS = 1000;

export class JobRunner {
  private readonly runs = new Map<string, JobRun>();
  private readonly consumer: Consumer;
  private elected = false;
  private closed = false;
  private unsubscribe: (() => void) | undefined;
  private healthy = true;

  constructor(private readonly options: RunnerOptions) {
    this.consumer = options.kafka.consumer({
      groupId: `${options.groupId}.runners`,
      sessionTimeout: options.sessionTimeoutMs,
      rebalanceTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(500, Math.floor(options.sessionTimeoutMs / 6)),
      readUncommitted: false,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 5000,
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      const assigned = (payload.memberAssignment[options.log.topic] ?? []).length > 0;
      this.setElected(assigned);
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.setElected(false);
      if (!payload.restart) this.healthy = false;
    });
    this.consumer.on(this.consumer.events.STOP, () => this.setElected(false));
  }

  /** Joins the runners' group; the job runs start if this instance is elected. */
  async start(): Promise<void> {
    this.unsubscribe = this.options.log.onChange((id) => this.reconcile(id));
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.log.topic, fromBeginning: false });
    // The member only holds the partition: the jobs themselves are read from the log.
    await this.consumer.run({ autoCommit: false, eachBatch: async () => {} });
  }

  get isRunner(): boolean {
    return this.elected;
  }

  get isHealthy(): boolean {
    return this.healthy;
  }

  /** The runs in progress here, for metrics. */
  active(): JobRun[] {
    return [...this.runs.values()];
  }

  /** Jobs by state, for metrics. */
  states(): Map<JobState, number> {
    const states = new Map<JobState, number>();
    for (const job of this.options.log.list()) {
      const state = this.options.log.progressOf(job.name)?.state ?? 'pending';
      states.set(state, (states.get(state) ?? 0) + 1);
    }
    return states;
  }

  /** Acts on a control at once when this instance runs the job, instead of waiting to read it back. */
  notify(id: string): void {
    this.reconcile(id);
  }

  private setElected(elected: boolean): void {
    if (this.closed || elected === this.elected) return;
    this.elected = elected;
    this.options.logger.info(elected ? 'this instance runs replay jobs now' : 'this instance no longer runs replay jobs');
    if (elected) {
      for (const job of this.options.log.list()) this.reconcile(job.name);
    } else {
      for (const run of this.runs.values()) void run.stop('lost');
    }
  }

  /** Brings one job's run in line with its record: start, stop, or leave it. */
  private reconcile(id: string): void {
    if (!this.elected || this.closed) return;
    const job = this.options.log.job(id);
    const progress = this.options.log.progressOf(id);
    if (!job || !progress) return;
    const run = this.runs.get(id);
    if (run) {
      if (job.control !== 'run') void run.stop(job.control);
      return;
    }
    if (finalStates.has(progress.state)) return;
    // A paused job stays so until resumed; a pending or running one runs (a running one was
    // interrupted: its runner crashed or moved). A job paused or cancelled before it ran is
    // marked so by a short run.
    if (job.control === 'pause' && progress.state === 'paused') return;
    if (job.control === 'run' && this.runs.size >= this.options.maxConcurrentJobs) return;
    this.launch(job);
  }

  private launch(job: ReplayJob): void {
    const run = new JobRun(this.options, job);
    this.runs.set(job.name, run);
    void run.run().finally(() => {
      if (this.runs.get(job.name) === run) this.runs.delete(job.name);
      // A slot is free: the oldest waiting job goes next; and this one may have been resumed
      // meanwhile. A run that ended unfinished (Kafka or the target failing, a pause) waits a
      // moment, so a failing job is not restarted in a tight loop and the log can catch up.
      const next = () => {
        for (const waiting of this.options.log.list()) this.reconcile(waiting.name);
      };
      if (run.lastState !== undefined && finalStates.has(run.lastState)) next();
      else setTimeout(next, RESTART_DELAY_MS).unref();
    });
  }

  /** Stops every run, each checkpointing where it got to, and leaves the group. */
  async stop(reason: StopReason = 'shutdown'): Promise<void> {
    this.closed = true;
    this.unsubscribe?.();
    await Promise.all([...this.runs.values()].map((run) => run.stop(reason)));
    await this.consumer.disconnect().catch(() => undefined);
  }
}
