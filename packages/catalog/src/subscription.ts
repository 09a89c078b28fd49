// A subscription: which events a consumer wants (event types and a pattern), where the router
// delivers them (a topic of its own), and what happens when one cannot be delivered.

export const failureActions = ['dead-letter', 'discard', 'block'] as const;
/** What the router does with an event once its retries are spent (or at once, for a permanent failure). */
export type FailureAction = (typeof failureActions)[number];

export const orderings = ['partition'] as const;
/** `partition`: the events of one input partition (so of one partition key) arrive in order. */
export type Ordering = (typeof orderings)[number];

export interface RetryPolicy {
  /** Attempts in all, the first included; 1: no retry. */
  maxAttempts: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
  /** 0..1: each backoff is randomly shortened by up to this share. */
  jitter: number;
}

export interface FailurePolicy {
  retry: RetryPolicy;
  then: FailureAction;
}

/** What the owner of a subscription declares. */
export interface SubscriptionSpec {
  name: string;
  description: string;
  owner: string;
  /** The event types it reads (several: fan-in). */
  eventTypes: string[];
  /** An event pattern over the CloudEvents attributes and `data` (absent: every event of the types). */
  pattern?: Record<string, unknown>;
  destination: { topic: string; deadLetterTopic: string };
  ordering: Ordering;
  failure: FailurePolicy;
}

/** A subscription as the catalog keeps it. */
export interface Subscription extends SubscriptionSpec {
  revision: number;
  createdAt: string;
  updatedAt: string;
}

export const SUBSCRIPTION_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;
export const destinationTopicOf = (name: string) => `sub.${name}`;
export const deadLetterTopicOf = (name: string) => `sub.${name}.dlq`;

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 5000, multiplier: 2, jitter: 0.2 };

/**
 * The backoff before attempt `attempt + 1` (attempt counts from 1): initial × multiplier^(attempt-1),
 * capped, shortened by up to `jitter` of itself. `random` is injectable for tests.
 */
export function backoffMs(policy: RetryPolicy, attempt: number, random: () => number = Math.random): number {
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.multiplier ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - policy.jitter * random()));
}
