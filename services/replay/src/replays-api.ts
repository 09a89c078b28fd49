// Starting, watching and controlling replay jobs. A request is checked whole before anything is
// recorded: its body, its pattern, the caller's grant to read every source type, the target (a
// topic Herald may write, the configured database's table created or checked, an allowed URL),
// and its range, whose end offsets are fixed now. Then the job and its initial progress are
// recorded in one transaction, and the runner takes it from there.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { canAdminister, canRead, type Principal } from '@herald/auth';
import { CatalogError, type EventType, type EventTypeCatalog, type Subscription, type SubscriptionCatalog } from '@herald/catalog';
import { uuidv7 } from '@herald/envelope';
import { ensureTopic, kafkaProblem } from '@herald/kafka';
import { check, type Pattern } from '@herald/patterns';
import { HttpProblem, createSchemaValidators, type ValidationError, type ValidationResult } from '@herald/runtime';
import type { ReplayLog } from './jobs/log.js';
import { emptyCounts, finalStates, type Control, type JobView, type Progress, type ReplayJob, type ReplayRequest, type ReplaySpec, type Segment, type VersionSource } from './jobs/model.js';
import { PlanError, planSegments, type PlannedTopic } from './jobs/plan.js';
import { componentSchemas, REPLAY_TOPIC_PREFIX, schemaRef } from './openapi.js';

const { compileValidator } = createSchemaValidators(componentSchemas);
const validateRequest: (body: unknown) => ValidationResult<ReplayRequest> = compileValidator(schemaRef('ReplayRequest'));
const validateRedrive: (body: unknown) => ValidationResult<{ pattern?: Pattern; dryRun?: boolean; rateLimit?: number }> = compileValidator(schemaRef('RedriveRequest'));

/** What the API needs of the PostgreSQL target: to create or check a table before a job writes it. */
export interface TableChecker {
  check(table: string, types: readonly Pick<EventType, 'schema' | 'partitionKey'>[]): Promise<void>;
}

export interface ReplayAdminDeps {
  log: ReplayLog;
  eventTypes: Pick<EventTypeCatalog, 'get' | 'lookup'>;
  subscriptions: Pick<SubscriptionCatalog, 'get' | 'list' | 'lookup'>;
  /** Connected. */
  admin: Admin;
  /** undefined: the postgres target is not configured. */
  tables: TableChecker | undefined;
  httpTargets: readonly string[];
  /** Partitions of created `replay.*` topics; 0: the most among the sources. */
  topicPartitions: number;
  replicationFactor?: number;
  /** Tells the runner (when it is this instance) about a change at once. */
  notify: (id: string) => void;
}

function invalid(errors: ValidationError[]): HttpProblem {
  return new HttpProblem('invalid_request', 'Invalid replay', { detail: errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '), extensions: { errors } });
}

function invalidPattern(at: string, pattern: unknown): void {
  if (pattern === undefined) return;
  const error = check(pattern);
  if (error) {
    const where = error.path === '' ? at : `${at} ${error.path}`;
    throw new HttpProblem('invalid_pattern', 'Invalid event pattern', { detail: `${where}: ${error.reason}`, extensions: { path: error.path, reason: error.reason } });
  }
}

const notFound = (id: string) => new HttpProblem('not_found', 'No such replay', { detail: `there is no replay job '${id}'` });

/** The sources of a request, resolved: topics, and the types whose events they hold. */
interface ResolvedSource {
  types: EventType[];
  topics: string[];
  subscription?: Subscription;
}

export class ReplayAdmin {
  constructor(private readonly deps: ReplayAdminDeps) {}

  async create(principal: Principal, body: unknown, kind: ReplayJob['kind'] = 'replay'): Promise<JobView> {
    const checked = validateRequest(body);
    if (!checked.ok) throw invalid(checked.errors);
    const request = checked.value;
    invalidPattern('pattern', request.pattern);
    if (request.target.kind === 'postgres') invalidPattern('target.deleteWhen', request.target.deleteWhen);
    const spec: ReplaySpec = { ...request, from: request.from ?? { earliest: true }, to: request.to ?? { latest: true }, mode: request.mode ?? 'history', dryRun: request.dryRun ?? false };
    const source = await this.resolveSource(principal, spec);
    this.checkMode(spec, source);
    await this.checkTarget(principal, spec, source);

    const segments = await this.plan(spec, source);
    await this.prepareTarget(spec, source);
    const now = new Date().toISOString();
    const id = uuidv7();
    const progress: Progress = { name: id, state: 'pending', phase: segments[0]?.phase ?? 'history', segments, counts: emptyCounts(), rate: 0, updatedAt: now };
    const job: Omit<ReplayJob, 'revision'> = { name: id, kind, owner: principal.id, spec, control: 'run', createdAt: now, updatedAt: now };
    let stored: ReplayJob;
    try {
      stored = await this.deps.log.create(job, progress);
    } catch (error) {
      throw kafkaProblem(error);
    }
    this.deps.notify(id);
    return view(stored, this.deps.log.progressOf(id) ?? progress);
  }

  /** A job that moves a subscription's dead letters back to its destination. */
  async redrive(principal: Principal, name: string, body: unknown): Promise<JobView> {
    const checked = validateRedrive(body);
    if (!checked.ok) throw invalid(checked.errors);
    const subscription = await this.subscription(name);
    if (!canAdminister(principal, subscription)) {
      throw new HttpProblem('forbidden', 'Only the subscription\'s owner or an admin may redrive its dead letters', { detail: `'${principal.id}' does not own ${name}` });
    }
    const { pattern, dryRun, rateLimit } = checked.value;
    return this.create(
      principal,
      {
        description: `redrive of ${name}'s dead letters`,
        source: { subscription: name, topic: 'dead-letter' },
        target: { kind: 'topic', topic: subscription.destination.topic },
        ...(pattern !== undefined ? { pattern } : {}),
        ...(dryRun !== undefined ? { dryRun } : {}),
        ...(rateLimit !== undefined ? { rateLimit } : {}),
      },
      'redrive',
    );
  }

  list(principal: Principal): JobView[] {
    return this.deps.log
      .list()
      .filter((job) => principal.admin || job.owner === principal.id)
      .map((job) => view(job, this.deps.log.progressOf(job.name)));
  }

  get(principal: Principal, id: string): JobView {
    const job = this.visible(principal, id);
    return view(job, this.deps.log.progressOf(id));
  }

  /** The job, if the principal may see it: its owner, an admin, or a reader of every source type. */
  visible(principal: Principal, id: string): ReplayJob {
    const job = this.deps.log.job(id);
    if (!job) throw notFound(id);
    if (principal.admin || job.owner === principal.id) return job;
    const types = 'eventTypes' in job.spec.source ? job.spec.source.eventTypes : (this.deps.subscriptions.get(job.spec.source.subscription)?.eventTypes ?? []);
    const readsAll = types.length > 0 && types.every((name) => {
      const type = this.deps.eventTypes.get(name);
      return type !== undefined && canRead(principal, type);
    });
    if (!readsAll) throw new HttpProblem('forbidden', 'Not a replay the caller may see', { detail: `'${principal.id}' neither owns replay ${id} nor reads every type it reads` });
    return job;
  }

  /**
   * Pauses, resumes or cancels a job; waits (a few seconds at most) for the runner to act on it.
   * `applied`: the job's state shows the change.
   */
  async control(principal: Principal, id: string, action: 'pause' | 'resume' | 'cancel'): Promise<{ applied: boolean; job: JobView }> {
    const job = this.deps.log.job(id);
    if (!job) throw notFound(id);
    if (!(principal.admin || job.owner === principal.id)) throw new HttpProblem('forbidden', 'Only the job\'s owner or an admin may control it', { detail: `'${principal.id}' does not own replay ${id}` });
    const control: Control = action === 'resume' ? 'run' : action;
    try {
      await this.deps.log.control(id, (current, progress) => {
        if (progress && finalStates.has(progress.state)) {
          throw new HttpProblem('conflict', 'The job has finished', { detail: `replay ${id} is ${progress.state}: it cannot be ${action === 'resume' ? 'resumed' : `${action}ed`}` });
        }
        return current.control === control ? undefined : control;
      });
    } catch (error) {
      if (error instanceof HttpProblem) throw error;
      if (error instanceof CatalogError && error.code === 'not_found') throw notFound(id);
      throw kafkaProblem(error);
    }
    this.deps.notify(id);
    const wanted = (state: string) => (action === 'pause' ? state === 'paused' : action === 'cancel' ? state === 'cancelled' : state === 'running' || finalStates.has(state as never));
    const deadline = Date.now() + 5000;
    for (;;) {
      const progress = this.deps.log.progressOf(id);
      const current = this.deps.log.job(id)!;
      if (progress && (wanted(progress.state) || (action !== 'resume' && finalStates.has(progress.state)))) return { applied: true, job: view(current, progress) };
      if (Date.now() >= deadline) return { applied: false, job: view(current, progress) };
      await sleep(20);
    }
  }

  // --- Checks --------------------------------------------------------------------------------

  private async subscription(name: string): Promise<Subscription> {
    const subscription = await this.deps.subscriptions.lookup(name);
    if (!subscription) throw new HttpProblem('not_found', 'No such subscription', { detail: `there is no subscription '${name}'` });
    return subscription;
  }

  private async eventType(name: string): Promise<EventType> {
    const type = await this.deps.eventTypes.lookup(name);
    if (!type) throw new HttpProblem('unknown_event_type', 'Unknown event type', { detail: `there is no event type '${name}'` });
    return type;
  }

  private async resolveSource(principal: Principal, spec: ReplaySpec): Promise<ResolvedSource> {
    const { source } = spec;
    if ('eventTypes' in source) {
      const types: EventType[] = [];
      for (const name of source.eventTypes) types.push(await this.eventType(name));
      const denied = types.filter((t) => !canRead(principal, t)).map((t) => t.name);
      if (denied.length > 0) throw new HttpProblem('forbidden', 'Not a reader of every source type', { detail: `'${principal.id}' may not read ${denied.join(', ')}` });
      return { types, topics: types.map((t) => t.topicName) };
    }
    const subscription = await this.subscription(source.subscription);
    const types: EventType[] = [];
    for (const name of subscription.eventTypes) {
      const type = this.deps.eventTypes.get(name);
      if (type) types.push(type);
    }
    const denied = subscription.eventTypes.filter((name) => !types.some((t) => t.name === name && canRead(principal, t)));
    if (denied.length > 0) throw new HttpProblem('forbidden', 'Not a reader of every type the subscription reads', { detail: `'${principal.id}' may not read ${denied.join(', ')}` });
    const topic = source.topic === 'destination' ? subscription.destination.topic : subscription.destination.deadLetterTopic;
    return { types, topics: [topic], subscription };
  }

  private checkMode(spec: ReplaySpec, source: ResolvedSource): void {
    if (spec.mode !== 'latest') return;
    const errors: ValidationError[] = [];
    if (!('eventTypes' in spec.source)) errors.push({ path: '/mode', message: '"latest" reads event types: a subscription\'s topic has no latest state' });
    if (!('earliest' in spec.from)) errors.push({ path: '/from', message: '"latest" reads the whole history: leave `from` out' });
    if (!('latest' in spec.to)) errors.push({ path: '/to', message: '"latest" reads up to the end: leave `to` out' });
    for (const type of source.types) {
      if (type.mode !== 'state') errors.push({ path: '/source/eventTypes', message: `${type.name} is a notification type: only state types have a latest state` });
    }
    if (errors.length > 0) throw invalid(errors);
  }

  private async checkTarget(principal: Principal, spec: ReplaySpec, source: ResolvedSource): Promise<void> {
    const { target } = spec;
    if (target.kind === 'topic') {
      if (source.topics.includes(target.topic)) throw invalid([{ path: '/target/topic', message: 'is a source of the job: a replay cannot write into what it reads' }]);
      if (target.topic.startsWith(REPLAY_TOPIC_PREFIX) && target.topic.length > REPLAY_TOPIC_PREFIX.length) return;
      const owner = this.deps.subscriptions.list().find((s) => s.destination.topic === target.topic);
      if (!owner) {
        throw invalid([{ path: '/target/topic', message: `must start with "${REPLAY_TOPIC_PREFIX}", or be a subscription's destination topic: Herald writes no other topics` }]);
      }
      if (!canAdminister(principal, owner)) {
        throw new HttpProblem('forbidden', 'Only the subscription\'s owner or an admin may replay into its topic', { detail: `${target.topic} is ${owner.name}'s, which '${principal.id}' does not own` });
      }
      return;
    }
    if (target.kind === 'http') {
      if (!allowedUrl(target.url, this.deps.httpTargets)) {
        throw new HttpProblem('invalid_target', 'URL not allowed', {
          detail:
            this.deps.httpTargets.length === 0
              ? 'the http target is not configured (HERALD_REPLAY_HTTP_TARGETS)'
              : `the URL must start with one of: ${this.deps.httpTargets.join(', ')}, and carry no user name or password`,
        });
      }
      return;
    }
    // postgres
    if (!this.deps.tables) throw new HttpProblem('invalid_target', 'No PostgreSQL target', { detail: 'the postgres target is not configured (HERALD_REPLAY_POSTGRES_URL)' });
    const version: VersionSource = target.version ?? (this.sourceTopicCount(spec, source) > 1 ? 'recordedtime' : 'offset');
    if (version === 'offset' && this.sourceTopicCount(spec, source) > 1) {
      throw invalid([{ path: '/target/version', message: 'offsets of different topics do not order events: with several source types use "recordedtime" or "sequence"' }]);
    }
    target.version = version;
  }

  /** Creates or checks the target before the job is recorded (after every other check passed). */
  private async prepareTarget(spec: ReplaySpec, source: ResolvedSource): Promise<void> {
    const { target } = spec;
    if (spec.dryRun) return;
    if (target.kind === 'topic' && target.topic.startsWith(REPLAY_TOPIC_PREFIX)) await this.createTopic(target.topic, source.topics);
    if (target.kind === 'postgres' && this.deps.tables) {
      await this.deps.tables.check(target.table, source.types);
    }
  }

  /** Topics whose offsets would version a table: event topics (a latest-state record counts as its origin). */
  private sourceTopicCount(spec: ReplaySpec, source: ResolvedSource): number {
    return 'eventTypes' in spec.source ? source.types.length : 1;
  }

  private async plan(spec: ReplaySpec, source: ResolvedSource): Promise<Segment[]> {
    const topics: PlannedTopic[] = [];
    if (spec.mode === 'latest') {
      // Latest-state topics first: their ends are fixed before the event topics' ends.
      for (const type of source.types) if (type.latestStateTopicName) topics.push({ topic: type.latestStateTopicName, phase: 'snapshot' });
      for (const type of source.types) topics.push({ topic: type.topicName, phase: type.latestStateTopicName ? 'tail' : 'scan' });
    } else {
      for (const topic of source.topics) topics.push({ topic, phase: 'history' });
    }
    try {
      return await planSegments(this.deps.admin, topics, spec.from, spec.to);
    } catch (error) {
      if (error instanceof PlanError) throw invalid([{ path: error.path, message: error.message }]);
      if ((error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') {
        throw new HttpProblem('not_found', 'A source topic does not exist', { detail: `one of ${topics.map((t) => t.topic).join(', ')} does not exist`, cause: error });
      }
      throw kafkaProblem(error);
    }
  }

  private async createTopic(topic: string, sources: string[]): Promise<void> {
    const { admin } = this.deps;
    try {
      let partitions = this.deps.topicPartitions;
      if (partitions === 0) {
        const metadata = await admin.fetchTopicMetadata({ topics: sources });
        partitions = Math.max(1, ...metadata.topics.map((t) => t.partitions.length));
      }
      await ensureTopic(admin, {
        topic,
        partitions,
        ...(this.deps.replicationFactor !== undefined ? { replicationFactor: this.deps.replicationFactor } : {}),
        configs: { 'cleanup.policy': 'delete' },
      });
    } catch (error) {
      throw kafkaProblem(error);
    }
  }
}

/**
 * Whether a target URL is under an allowed prefix, compared on the parsed URL: a user name or
 * password is refused (`http://localhost:80@elsewhere/` is a URL of `elsewhere`).
 */
export function allowedUrl(url: string, prefixes: readonly string[]): boolean {
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '' || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return false;
  return prefixes.some((prefix) => parsed.href.startsWith(prefix));
}

/** The job as the API shows it: record, progress, and what follows (remaining, percent, ETA). */
export function view(job: ReplayJob, progress: Progress | undefined): JobView {
  const segments = progress?.segments ?? [];
  let total = 0n;
  let remaining = 0n;
  const partitions = segments.map((s) => {
    const start = BigInt(s.start);
    const position = s.position === null ? start : BigInt(s.position);
    const left = BigInt(s.end) - position;
    if (s.phase !== 'emit') {
      total += BigInt(s.end) - start;
      remaining += left > 0n ? left : 0n;
    }
    return { ...s, remaining: String(left > 0n ? left : 0n) };
  });
  const state = progress?.state ?? 'pending';
  const rate = progress?.rate ?? 0;
  const done = state === 'completed';
  const remainingNumber = done ? 0 : Number(remaining);
  return {
    id: job.name,
    kind: job.kind,
    owner: job.owner,
    spec: job.spec,
    control: job.control,
    state,
    phase: progress?.phase ?? null,
    counts: progress?.counts ?? emptyCounts(),
    partitions,
    remaining: remainingNumber,
    percent: done ? 100 : total === 0n ? null : Math.floor((Number(total - remaining) * 1000) / Number(total)) / 10,
    rate: Math.round(rate),
    etaSeconds: done ? 0 : rate > 0 && state === 'running' ? Math.ceil(remainingNumber / rate) : null,
    createdAt: job.createdAt,
    startedAt: progress?.startedAt ?? null,
    updatedAt: progress?.updatedAt ?? job.updatedAt,
    finishedAt: progress?.finishedAt ?? null,
    error: progress?.error ?? null,
  };
}
