// Rewinding a subscriber's consumer group on its subscription's destination topic: to a time, to
// given offsets, or to either end. Kafka only lets an empty group's offsets be set, so the
// subscriber stops its consumers first; a dry run shows what would change and changes nothing.
import kafkajs, { type Admin } from 'kafkajs';
import { canAdminister, type Principal } from '@herald/auth';
import type { Subscription, SubscriptionCatalog } from '@herald/catalog';
import { HttpProblem, type ValidationError, type ValidationResult } from '@herald/runtime';

// kafkajs is CommonJS and spreads its errors into its exports, which Node cannot name for ESM.
const { KafkaJSNonRetriableError } = kafkajs;

/** Kafka's own limit on a group id, narrowed to the characters a topic name may use. */
export const GROUP_ID = /^[a-zA-Z0-9._-]{1,249}$/;

export type RewindTarget = { timestamp: string } | { offsets: Array<{ partition: number; offset: string }> } | { earliest: true } | { latest: true };

export interface RewindRequest {
  subscription: string;
  to: RewindTarget;
  dryRun: boolean;
}

export interface PartitionRewind {
  partition: number;
  /** The committed offset before the rewind; null when the group had none. */
  from: string | null;
  to: string;
}

export interface RewindResult {
  group: string;
  topic: string;
  subscription: string;
  dryRun: boolean;
  partitions: PartitionRewind[];
}

export interface GroupRewinderDeps {
  /** Connected. */
  admin: Admin;
  subscriptions: Pick<SubscriptionCatalog, 'lookup'>;
}

const TARGETS = ['timestamp', 'offsets', 'earliest', 'latest'] as const;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const MAX_OFFSET = 2n ** 63n - 1n;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): ValidationError[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({ path: `${path}/${key}`, message: `is not a property of a rewind; allowed: ${allowed.join(', ')}` }));
}

/** An offset as a decimal string, or why it is not one. */
function offsetOf(value: unknown): { ok: true; offset: string } | { ok: false; message: string } {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return { ok: true, offset: String(value) };
  if (typeof value === 'string' && /^\d{1,19}$/.test(value) && BigInt(value) <= MAX_OFFSET) return { ok: true, offset: BigInt(value).toString() };
  return { ok: false, message: 'must be a non-negative integer offset, as a number or a string of digits' };
}

function validateTarget(to: unknown, errors: ValidationError[]): RewindTarget | undefined {
  if (!isObject(to)) {
    errors.push({ path: '/to', message: 'must be an object with one of: timestamp, offsets, earliest, latest' });
    return undefined;
  }
  errors.push(...unknownKeys(to, TARGETS, '/to'));
  const given = TARGETS.filter((key) => to[key] !== undefined);
  if (given.length !== 1) {
    errors.push({ path: '/to', message: given.length === 0 ? 'must have one of: timestamp, offsets, earliest, latest' : `must have only one of ${given.join(', ')}` });
    return undefined;
  }
  if (to.timestamp !== undefined) {
    if (typeof to.timestamp !== 'string' || !RFC3339.test(to.timestamp) || Number.isNaN(Date.parse(to.timestamp))) {
      errors.push({ path: '/to/timestamp', message: 'must be an RFC 3339 date-time such as "2026-11-26T10:00:00Z"' });
      return undefined;
    }
    return { timestamp: to.timestamp };
  }
  if (to.earliest !== undefined || to.latest !== undefined) {
    const key = to.earliest !== undefined ? 'earliest' : 'latest';
    if (to[key] !== true) {
      errors.push({ path: `/to/${key}`, message: 'must be true' });
      return undefined;
    }
    return key === 'earliest' ? { earliest: true } : { latest: true };
  }
  if (!Array.isArray(to.offsets) || to.offsets.length === 0) {
    errors.push({ path: '/to/offsets', message: 'must be a non-empty array of { partition, offset }' });
    return undefined;
  }
  const offsets: Array<{ partition: number; offset: string }> = [];
  const seen = new Set<number>();
  to.offsets.forEach((entry: unknown, i) => {
    const path = `/to/offsets/${i}`;
    if (!isObject(entry)) {
      errors.push({ path, message: 'must be an object { partition, offset }' });
      return;
    }
    errors.push(...unknownKeys(entry, ['partition', 'offset'], path));
    const { partition } = entry;
    const offset = offsetOf(entry.offset);
    if (typeof partition !== 'number' || !Number.isInteger(partition) || partition < 0) errors.push({ path: `${path}/partition`, message: 'must be a non-negative integer' });
    else if (seen.has(partition)) errors.push({ path: `${path}/partition`, message: `partition ${partition} is listed more than once` });
    if (!offset.ok) errors.push({ path: `${path}/offset`, message: offset.message });
    if (typeof partition === 'number' && offset.ok) {
      seen.add(partition);
      offsets.push({ partition, offset: offset.offset });
    }
  });
  return { offsets };
}

/** A rewind request body checked by hand: every problem, each with the JSON pointer it is at. */
export function validateRewind(body: unknown): ValidationResult<RewindRequest> {
  if (!isObject(body)) return { ok: false, errors: [{ path: '', message: 'must be a JSON object { subscription, to, dryRun? }' }] };
  const errors = unknownKeys(body, ['subscription', 'to', 'dryRun'], '');
  if (typeof body.subscription !== 'string' || body.subscription === '') errors.push({ path: '/subscription', message: 'must be the name of a subscription' });
  if (body.dryRun !== undefined && typeof body.dryRun !== 'boolean') errors.push({ path: '/dryRun', message: 'must be a boolean' });
  const to = validateTarget(body.to, errors);
  if (errors.length > 0 || to === undefined) return { ok: false, errors };
  return { ok: true, value: { subscription: body.subscription as string, to, dryRun: body.dryRun === true } };
}

function invalid(title: string, errors: ValidationError[]): HttpProblem {
  return new HttpProblem('invalid_request', title, { detail: errors.map((e) => `${e.path || '/'}: ${e.message}`).join('; '), extensions: { errors } });
}

function groupActive(group: string, detail: string, cause?: unknown): HttpProblem {
  return new HttpProblem('group_active', 'The consumer group has members', { detail, extensions: { group }, cause });
}

/** kafkajs refuses to set the offsets of a group that is not empty (admin.setOffsets checks again itself). */
const isGroupRunningRefusal = (err: unknown) => err instanceof KafkaJSNonRetriableError && /must have no running instances/.test(err.message);

export class GroupRewinder {
  constructor(private readonly deps: GroupRewinderDeps) {}

  async rewind(principal: Principal, group: string, body: unknown): Promise<RewindResult> {
    if (!GROUP_ID.test(group)) throw invalid('Invalid consumer group id', [{ path: '', message: `group id ${JSON.stringify(group)} must be 1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-'` }]);
    const checked = validateRewind(body);
    if (!checked.ok) throw invalid('Invalid rewind', checked.errors);
    const request = checked.value;
    const subscription = await this.deps.subscriptions.lookup(request.subscription);
    if (!subscription) throw new HttpProblem('not_found', 'No such subscription', { detail: `there is no subscription '${request.subscription}'` });
    if (!this.canRewind(principal, subscription)) {
      throw new HttpProblem('forbidden', 'Not a subscription the caller may rewind', {
        detail: `'${principal.id}' is neither an admin nor the owner of ${subscription.name}`,
      });
    }

    const { admin } = this.deps;
    const topic = subscription.destination.topic;
    await this.checkEmpty(group);
    // Asked before any other topic call: those would wait out their retries on a missing topic.
    if (!(await admin.listTopics()).includes(topic)) {
      throw new HttpProblem('not_found', 'The destination topic does not exist', { detail: `subscription ${subscription.name}'s topic ${topic} does not exist` });
    }
    const watermarks = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: p.low, high: p.high }]));
    const targets = await this.targets(topic, request.to, watermarks);
    const committed = await this.committed(group, topic);
    const partitions = targets.map(({ partition, offset }) => ({ partition, from: committed.get(partition) ?? null, to: offset }));
    const result: RewindResult = { group, topic, subscription: subscription.name, dryRun: request.dryRun, partitions };
    if (request.dryRun) return result;

    try {
      await admin.setOffsets({ groupId: group, topic, partitions: targets });
    } catch (err) {
      if (isGroupRunningRefusal(err)) throw groupActive(group, `a consumer joined group ${group} before its offsets were set; nothing was changed: stop the consumers first`, err);
      throw err;
    }
    // admin.setOffsets commits through a consumer of its own, which sets only the partitions the
    // group assigns it: a consumer joining mid-way would leave the others as they were, silently.
    const now = await this.committed(group, topic);
    const missed = targets.filter(({ partition, offset }) => now.get(partition) !== offset).map(({ partition }) => partition);
    if (missed.length > 0) {
      throw groupActive(group, `a consumer joined group ${group} while its offsets were being set; partitions ${missed.join(', ')} were not rewound: stop the consumers first and rewind again`);
    }
    return result;
  }

  /**
   * The subscription's owner or an admin: a rewind makes every consumer of the group read again,
   * which is the subscriber's call, not any reader's.
   */
  private canRewind(principal: Principal, subscription: Subscription): boolean {
    return canAdminister(principal, subscription);
  }

  private async checkEmpty(group: string): Promise<void> {
    const { groups } = await this.deps.admin.describeGroups([group]);
    const description = groups.find((g) => g.groupId === group);
    if (!description) return;
    const members = description.members.length;
    if (members > 0 || (description.state !== 'Empty' && description.state !== 'Dead')) {
      throw groupActive(group, `group ${group} has ${members} member${members === 1 ? '' : 's'} (state ${description.state}): stop the consumers first, then rewind`);
    }
  }

  /** The committed offset of each partition that has one. */
  private async committed(group: string, topic: string): Promise<Map<number, string>> {
    const [offsets] = await this.deps.admin.fetchOffsets({ groupId: group, topics: [topic] });
    return new Map((offsets?.partitions ?? []).filter((p) => BigInt(p.offset) >= 0n).map((p) => [p.partition, p.offset]));
  }

  /** Where each partition goes, sorted by partition. */
  private async targets(
    topic: string,
    to: RewindTarget,
    watermarks: Map<number, { low: string; high: string }>,
  ): Promise<Array<{ partition: number; offset: string }>> {
    const all = [...watermarks.entries()].sort(([a], [b]) => a - b);
    if ('earliest' in to) return all.map(([partition, { low }]) => ({ partition, offset: low }));
    if ('latest' in to) return all.map(([partition, { high }]) => ({ partition, offset: high }));
    if ('timestamp' in to) {
      // Kafka reads -1 and -2 as "latest" and "earliest": a time before 1970 means the start.
      const ms = Math.max(0, Date.parse(to.timestamp));
      const found = new Map((await this.deps.admin.fetchTopicOffsetsByTimestamp(topic, ms)).map((p) => [p.partition, p.offset]));
      // No record at or after the time: the end, so the group reads only what comes next.
      return all.map(([partition, { high }]) => {
        const offset = found.get(partition);
        return { partition, offset: offset !== undefined && BigInt(offset) >= 0n ? offset : high };
      });
    }
    const errors: ValidationError[] = [];
    to.offsets.forEach(({ partition, offset }, i) => {
      const marks = watermarks.get(partition);
      if (!marks) errors.push({ path: `/to/offsets/${i}/partition`, message: `${topic} has no partition ${partition} (it has ${watermarks.size}: 0 to ${watermarks.size - 1})` });
      else if (BigInt(offset) < BigInt(marks.low) || BigInt(offset) > BigInt(marks.high)) {
        errors.push({ path: `/to/offsets/${i}/offset`, message: `${offset} is out of range: partition ${partition} accepts ${marks.low} (its start) to ${marks.high} (its end)` });
      }
    });
    if (errors.length > 0) throw invalid('Offsets out of range', errors);
    return [...to.offsets].sort((a, b) => a.partition - b.partition);
  }
}
