// Request bodies checked against the component schemas of the OpenAPI document (openapi.ts),
// compiled once with Ajv (@herald/runtime's request validation), then the few rules a schema
// cannot say (a backoff range, destination topic names); errors come out as `{ path, message }`
// a client can act on.
import { DEFAULT_RETRY_POLICY, deadLetterTopicOf, destinationTopicOf } from '@herald/catalog';
import type { PatternError } from '@herald/patterns';
import { HttpProblem, createSchemaValidators, type JsonSchema, type ValidationError, type ValidationResult } from '@herald/runtime';
import { componentSchemas, SUBSCRIPTION_TOPIC_PREFIX, schemaRef, type PatternTestBody, type SubscriptionCreateBody, type SubscriptionUpdateBody } from './openapi.js';

export type { PatternTestBody, SubscriptionCreateBody, SubscriptionUpdateBody, ValidationError, ValidationResult };

/** A validator for any schema of the document's dialect, e.g. `schemaRef('Subscription')`, with readable errors. */
export const { compileValidator } = createSchemaValidators(componentSchemas);

/** A validator that checks `rules` once the schema passes, so the rules see a well-formed body. */
function withRules<T>(schema: JsonSchema, rules: (value: T) => ValidationError[]): (value: unknown) => ValidationResult<T> {
  const validate = compileValidator<T>(schema);
  return (body) => {
    const checked = validate(body);
    if (!checked.ok) return checked;
    const errors = rules(checked.value);
    return errors.length === 0 ? checked : { ok: false, errors };
  };
}

/** Why a topic cannot be a subscription's, or undefined when it can. */
function topicProblem(topic: string): string | undefined {
  if (!topic.startsWith(SUBSCRIPTION_TOPIC_PREFIX) || topic.length === SUBSCRIPTION_TOPIC_PREFIX.length) return `must start with "${SUBSCRIPTION_TOPIC_PREFIX}" (and go on): the router writes to no other topics`;
  return undefined;
}

function specRules(body: SubscriptionCreateBody | SubscriptionUpdateBody, name: string | undefined): ValidationError[] {
  const errors: ValidationError[] = [];
  const retry = { ...DEFAULT_RETRY_POLICY, ...body.failure?.retry };
  if (retry.maxBackoffMs < retry.initialBackoffMs) {
    // Name the field the client sent: the other one is a default it may not know about.
    errors.push(
      body.failure?.retry?.maxBackoffMs !== undefined
        ? { path: '/failure/retry/maxBackoffMs', message: `must be >= initialBackoffMs (${retry.initialBackoffMs})` }
        : { path: '/failure/retry/initialBackoffMs', message: `must be <= maxBackoffMs (${retry.maxBackoffMs}, the default)` },
    );
  }
  for (const field of ['topic', 'deadLetterTopic'] as const) {
    const topic = body.destination?.[field];
    const problem = topic === undefined ? undefined : topicProblem(topic);
    if (problem) errors.push({ path: `/destination/${field}`, message: problem });
  }
  // On creation the name gives the defaults; on a change the destination must stay as it is.
  const topic = body.destination?.topic ?? (name === undefined ? undefined : destinationTopicOf(name));
  const deadLetterTopic = body.destination?.deadLetterTopic ?? (name === undefined ? undefined : deadLetterTopicOf(name));
  if (topic !== undefined && topic === deadLetterTopic) {
    errors.push({ path: body.destination?.deadLetterTopic !== undefined ? '/destination/deadLetterTopic' : '/destination/topic', message: `must differ from the other destination topic (${topic})` });
  }
  return errors;
}

export const validateSubscriptionCreate: (body: unknown) => ValidationResult<SubscriptionCreateBody> = withRules(schemaRef('SubscriptionCreate'), (body: SubscriptionCreateBody) =>
  specRules(body, body.name),
);

export const validateSubscriptionUpdate: (body: unknown) => ValidationResult<SubscriptionUpdateBody> = withRules(schemaRef('SubscriptionUpdate'), (body: SubscriptionUpdateBody) =>
  specRules(body, undefined),
);

export const validatePatternTest: (body: unknown) => ValidationResult<PatternTestBody> = compileValidator(schemaRef('PatternTestRequest'));

/** The problem answered for a pattern `@herald/patterns` refuses: where in the pattern (a JSON path) and why. */
export function invalidPattern(error: Pick<PatternError, 'path' | 'reason'>): HttpProblem {
  const where = error.path === '' ? 'the pattern' : `pattern ${error.path}`;
  return new HttpProblem('invalid_pattern', 'Invalid event pattern', { detail: `${where}: ${error.reason}`, extensions: { path: error.path, reason: error.reason } });
}
