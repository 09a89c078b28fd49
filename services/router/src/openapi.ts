// The router's HTTP API (docs/router-api.md) as an OpenAPI 3.1 document, served at
// /openapi.json. Its component schemas are JSON Schema 2020-12 and are also what validation.ts
// compiles, so the published contract and the checks the service makes cannot drift apart.
// What every service's document shares (operational routes, security, Problem) is
// @herald/runtime's; this file holds the router's own routes and schemas.
import { DEFAULT_RETRY_POLICY, SUBSCRIPTION_NAME, failureActions, orderings, type FailureAction, type Ordering, type RetryPolicy, type Subscription } from '@herald/catalog';
import { componentRef, fieldErrorSchema, headerRef, jsonRequestBody, jsonResponse, objectSchema, problemResponse, problemSchema, serviceOpenApi, type CommonResponseName, type JsonSchema, type OpenApiDocument, type ProblemCode, type Reference, type RequiredKeys, type Response } from '@herald/runtime';

// --- Bodies as TypeScript sees them once validated -------------------------------------------

/** What a client declares about a subscription; Herald fills in the defaults. */
export interface SubscriptionCreateBody {
  name: string;
  description: string;
  owner?: string;
  eventTypes: string[];
  pattern?: Record<string, unknown>;
  destination?: { topic?: string; deadLetterTopic?: string };
  ordering?: Ordering;
  failure?: { retry?: Partial<RetryPolicy>; then?: FailureAction };
}

/** What Herald records about a subscription: in responses, and ignored when a client sends them back (but see `revision`). */
export const subscriptionReadOnlyFields = ['revision', 'createdAt', 'updatedAt'] as const;

/**
 * A PUT body is a whole declaration. `name` may come along from a GET (it must be the one in the
 * path), `revision` makes the change conditional on it, and the timestamps are ignored.
 */
export type SubscriptionUpdateBody = Omit<SubscriptionCreateBody, 'name'> & { name?: string; revision?: number; createdAt?: unknown; updatedAt?: unknown };

export interface PatternTestBody {
  eventType: string;
  pattern: Record<string, unknown>;
  /** How many of the newest events to try the pattern on; default 100. */
  last?: number;
}

/** Where a tested event is, and what of it is known even when it cannot be read. */
interface TestedEventPosition {
  partition: number;
  /** Decimal: Kafka offsets are 64-bit and JSON numbers are not. */
  offset: string;
  id?: string;
  subject?: string;
  time?: string;
}

export type TestedEvent = TestedEventPosition & ({ matched: true } | { matched: false; path: string; reason: string });

export interface PatternTestResult {
  eventType: string;
  examined: number;
  matched: number;
  /** Oldest first. */
  events: TestedEvent[];
}

export interface SubscriptionList {
  items: Subscription[];
}

// --- Component schemas -----------------------------------------------------------------------

export const componentSchemaNames = [
  'SubscriptionName',
  'EventTypeName',
  'PrincipalId',
  'TopicName',
  'Pattern',
  'SubscriptionCreate',
  'SubscriptionUpdate',
  'Subscription',
  'SubscriptionList',
  'PatternTestRequest',
  'PatternTestResult',
  'TestedEvent',
  'FieldError',
  'Problem',
] as const;
export type ComponentSchemaName = (typeof componentSchemaNames)[number];

/** A `$ref` to a component schema, by a name the compiler knows. */
export const schemaRef = (name: ComponentSchemaName): JsonSchema => componentRef('schemas', name);

// The codes of the error table in docs/router-api.md: every code a router problem can carry.
const documentedProblemCodes = [
  'malformed_json',
  'invalid_request',
  'invalid_pattern',
  'unauthorized',
  'forbidden',
  'not_found',
  'already_exists',
  'immutable_field',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'unknown_event_type',
  'internal',
  'not_ready',
  'kafka_unavailable',
  'registry_unavailable',
] as const satisfies readonly ProblemCode[];

/** Every `code` a router problem response can carry. */
export const routerProblemCodes: readonly ProblemCode[] = documentedProblemCodes;

/** Most event types one subscription reads. */
export const MAX_EVENT_TYPES = 20;

/**
 * The router writes to topics of this prefix only (the default names `sub.<name>` and
 * `sub.<name>.dlq` have it): never into an event type's or the platform's own topics, nor into
 * an application's, and Kafka ACLs can grant it exactly that prefix.
 */
export const SUBSCRIPTION_TOPIC_PREFIX = 'sub.';

/** The default number of newest events `POST /v1/subscriptions/test` tries a pattern on. */
export const DEFAULT_TEST_EVENTS = 100;

const retryPolicy = (required: readonly RequiredKeys<RetryPolicy>[]) =>
  objectSchema<RetryPolicy>({
    description: 'How often, and how far apart, a delivery that may succeed later is tried.',
    additionalProperties: false,
    properties: {
      maxAttempts: { type: 'integer', minimum: 1, maximum: 100, default: DEFAULT_RETRY_POLICY.maxAttempts, description: 'Attempts in all, the first included; 1: no retry.' },
      initialBackoffMs: { type: 'integer', minimum: 0, maximum: 600_000, default: DEFAULT_RETRY_POLICY.initialBackoffMs, description: 'Wait before the second attempt.' },
      maxBackoffMs: { type: 'integer', minimum: 0, maximum: 3_600_000, default: DEFAULT_RETRY_POLICY.maxBackoffMs, description: 'The longest wait; at least `initialBackoffMs`.' },
      multiplier: { type: 'number', minimum: 1, maximum: 10, default: DEFAULT_RETRY_POLICY.multiplier, description: 'Each wait is the previous one times this (capped at `maxBackoffMs`).' },
      jitter: { type: 'number', minimum: 0, maximum: 1, default: DEFAULT_RETRY_POLICY.jitter, description: 'Each wait is randomly shortened by up to this share of itself.' },
    },
    required,
  });

const failurePolicy = (required: readonly ('retry' | 'then')[], retry: JsonSchema): JsonSchema => ({
  type: 'object',
  description: 'What the router does when it cannot deliver an event: retry with backoff, then `then`.',
  additionalProperties: false,
  properties: {
    retry,
    then: {
      enum: failureActions,
      default: 'dead-letter',
      description:
        '`dead-letter`: write the event to the dead-letter topic with the reason and go on; `discard`: drop it and go on; `block`: stop the partition at the event until it can be delivered.',
    },
  },
  required,
});

const destination = (required: readonly ('topic' | 'deadLetterTopic')[]): JsonSchema => ({
  type: 'object',
  description: 'Where matching events go. Immutable.',
  additionalProperties: false,
  properties: {
    topic: { ...schemaRef('TopicName'), description: 'Default `sub.<name>`. Created with the subscription.' },
    deadLetterTopic: { ...schemaRef('TopicName'), description: 'Default `sub.<name>.dlq`. Created with the subscription.' },
  },
  required,
});

// What a client declares about a subscription, shared by the create, update and resource schemas.
const subscriptionSpecProperties = {
  description: { type: 'string', minLength: 1, maxLength: 2000 },
  owner: { ...schemaRef('PrincipalId'), description: 'Default: the calling principal. Only an admin may name another owner.' },
  eventTypes: {
    type: 'array',
    description: 'The event types it reads (several: fan-in). The creator must be a reader of each.',
    items: schemaRef('EventTypeName'),
    minItems: 1,
    maxItems: MAX_EVENT_TYPES,
    uniqueItems: true,
  },
  pattern: { ...schemaRef('Pattern'), description: 'Which events of those types it wants. Default: every one.' },
  destination: destination([]),
  ordering: { enum: orderings, default: 'partition', description: '`partition`: events of one input partition (so of one partition key) arrive in order.' },
  failure: failurePolicy([], retryPolicy([])),
} as const satisfies Record<keyof Omit<SubscriptionCreateBody, 'name'>, JsonSchema>;

const subscriptionReadOnlyProperties = {
  revision: { type: 'integer', minimum: 1, readOnly: true, description: 'Increases with every change.' },
  createdAt: { type: 'string', format: 'date-time', readOnly: true },
  updatedAt: { type: 'string', format: 'date-time', readOnly: true },
} as const satisfies Record<(typeof subscriptionReadOnlyFields)[number], JsonSchema>;

const subscriptionSpecRequired = ['description', 'eventTypes'] as const;

const subscriptionExample = {
  name: 'billing.completed-rides',
  description: 'Completed rides paid in euros, for invoicing.',
  owner: 'billing',
  eventTypes: ['com.acme.rides.ride.completed'],
  pattern: { data: { currency: ['EUR'], fareCents: [{ numeric: ['>', 0] }] } },
  failure: { retry: { maxAttempts: 5 }, then: 'dead-letter' },
} satisfies SubscriptionCreateBody;

const subscriptionResourceExample = {
  ...subscriptionExample,
  destination: { topic: 'sub.billing.completed-rides', deadLetterTopic: 'sub.billing.completed-rides.dlq' },
  ordering: 'partition',
  failure: { retry: { ...DEFAULT_RETRY_POLICY, maxAttempts: 5 }, then: 'dead-letter' },
  revision: 1,
  createdAt: '2026-11-26T10:00:00.000Z',
  updatedAt: '2026-11-26T10:00:00.000Z',
} satisfies Subscription;

const patternTestExample = {
  eventType: 'com.acme.rides.ride.completed',
  pattern: { data: { currency: ['EUR'] } },
  last: 50,
} satisfies PatternTestBody;

const patternTestResultExample = {
  eventType: 'com.acme.rides.ride.completed',
  examined: 2,
  matched: 1,
  events: [
    { partition: 0, offset: '41', id: '0193a5c4-6f1e-7c3a-9d2b-5e8f1a2b3c4d', subject: 'rides/r-1', time: '2026-11-26T10:00:00.000Z', matched: true },
    { partition: 3, offset: '17', id: '0193a5c4-7a01-7c3a-9d2b-5e8f1a2b3c4e', time: '2026-11-26T10:01:00.000Z', matched: false, path: 'data.currency', reason: 'no value matched ["EUR"]' },
  ],
} satisfies PatternTestResult;

export const componentSchemas: Record<ComponentSchemaName, JsonSchema> = {
  SubscriptionName: {
    type: 'string',
    description: 'Lowercase letters, digits, `.`, `_` and `-`; part of the default topic names `sub.<name>` and `sub.<name>.dlq`.',
    pattern: SUBSCRIPTION_NAME.source,
    examples: ['billing.completed-rides'],
  },
  EventTypeName: {
    type: 'string',
    description: 'Reverse-DNS name of an event type: the CloudEvents `type` of its events.',
    pattern: '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*){2,}$',
    maxLength: 200,
    examples: ['com.acme.rides.ride.completed'],
  },
  PrincipalId: { type: 'string', description: 'The id of an authenticated principal (API key or JWT subject).', pattern: '^[A-Za-z0-9._:@-]{1,128}$' },
  TopicName: {
    type: 'string',
    description: `A Kafka topic name starting with \`${SUBSCRIPTION_TOPIC_PREFIX}\`: the router writes to no other topics.`,
    pattern: '^[a-zA-Z0-9._-]{1,249}$',
  },
  Pattern: {
    type: 'object',
    description:
      'An event pattern (EventBridge style) over the CloudEvents attributes (`type`, `source`, `subject`, …) and the decoded `data`: fields AND, array values OR; operators `prefix`, `suffix`, `equals-ignore-case`, `wildcard`, `anything-but`, `numeric`, `exists`, `cidr`, and `$or`. Checked when sent: `invalid_pattern` names what is wrong where.',
    examples: [{ source: [{ prefix: 'https://rides.acme.example/' }], data: { status: ['COMPLETED'] } }],
  },
  SubscriptionCreate: objectSchema<SubscriptionCreateBody>({
    description: 'A new subscription. Unknown properties are rejected.',
    additionalProperties: false,
    properties: { name: schemaRef('SubscriptionName'), ...subscriptionSpecProperties },
    required: ['name', ...subscriptionSpecRequired],
    examples: [subscriptionExample],
  }),
  SubscriptionUpdate: objectSchema<SubscriptionUpdateBody>({
    description: 'The whole new declaration of a subscription. Its `name` and `destination` cannot change; leave `destination` out to keep it.',
    additionalProperties: false,
    properties: {
      name: { ...schemaRef('SubscriptionName'), description: 'Optional; when sent, the name in the path.' },
      ...subscriptionSpecProperties,
      revision: { type: 'integer', minimum: 1, description: 'Optional: apply the change only if the subscription is still at this revision (`409 conflict` otherwise).' },
      createdAt: { description: 'Ignored: Herald records it.' },
      updatedAt: { description: 'Ignored: Herald records it.' },
    },
    required: subscriptionSpecRequired,
  }),
  Subscription: objectSchema<Subscription>({
    description: 'A subscription as Herald keeps it, its defaults filled in. (Open to new properties: clients must ignore ones they do not know.)',
    properties: {
      name: schemaRef('SubscriptionName'),
      ...subscriptionSpecProperties,
      owner: schemaRef('PrincipalId'),
      destination: destination(['topic', 'deadLetterTopic']),
      failure: failurePolicy(['retry', 'then'], retryPolicy(['maxAttempts', 'initialBackoffMs', 'maxBackoffMs', 'multiplier', 'jitter'])),
      ...subscriptionReadOnlyProperties,
    },
    required: ['name', 'description', 'owner', 'eventTypes', 'destination', 'ordering', 'failure', 'revision', 'createdAt', 'updatedAt'],
    examples: [subscriptionResourceExample],
  }),
  SubscriptionList: objectSchema<SubscriptionList>({
    properties: { items: { type: 'array', items: schemaRef('Subscription'), description: 'The subscriptions the caller may see, sorted by name.' } },
    required: ['items'],
  }),
  PatternTestRequest: objectSchema<PatternTestBody>({
    description: 'A pattern to try on the newest events of an event type. The caller must be a reader of the type.',
    additionalProperties: false,
    properties: {
      eventType: schemaRef('EventTypeName'),
      pattern: schemaRef('Pattern'),
      last: { type: 'integer', minimum: 1, maximum: 100_000, default: DEFAULT_TEST_EVENTS, description: 'How many of the newest events to try, spread over the partitions; at most the configured `testMaxEvents` (default 1000).' },
    },
    required: ['eventType', 'pattern'],
    examples: [patternTestExample],
  }),
  TestedEvent: {
    type: 'object',
    description: 'One event and whether the pattern matched it; `path` and `reason` say why not.',
    required: ['partition', 'offset', 'matched'],
    properties: {
      partition: { type: 'integer', minimum: 0 },
      offset: { type: 'string', pattern: '^[0-9]+$', description: 'Decimal: Kafka offsets are 64-bit.' },
      id: { type: 'string', description: 'Absent when the record carries no event id.' },
      subject: { type: 'string' },
      time: { type: 'string', description: 'The event’s occurrence time.' },
      matched: { type: 'boolean' },
      path: { type: 'string', description: 'When not matched: the field of the pattern that failed (or `data` when the data cannot be decoded, `signature` when the record is not a genuine Herald event).' },
      reason: { type: 'string', description: 'When not matched: why.' },
    },
  },
  PatternTestResult: objectSchema<PatternTestResult>({
    properties: {
      eventType: schemaRef('EventTypeName'),
      examined: { type: 'integer', minimum: 0, description: 'Events read (fewer than `last` when the topic holds fewer).' },
      matched: { type: 'integer', minimum: 0 },
      events: { type: 'array', items: schemaRef('TestedEvent'), description: 'Oldest first, newest last (by record timestamp).' },
    },
    required: ['eventType', 'examined', 'matched', 'events'],
    examples: [patternTestResultExample],
  }),
  FieldError: fieldErrorSchema(),
  Problem: problemSchema({
    codes: routerProblemCodes,
    errorsFor: ['invalid_request'],
    members: {
      path: { type: 'string', description: '`invalid_pattern`: where in the pattern it is wrong, as a JSON path (`data.fareCents[0].numeric`; empty for the pattern as a whole).' },
      reason: { type: 'string', description: '`invalid_pattern`: what is wrong there.' },
      eventTypes: { type: 'array', items: { type: 'string' }, description: '`unknown_event_type`: the types that do not exist; `forbidden`: the types the caller may not read.' },
      fields: { type: 'array', items: { type: 'string' }, description: '`immutable_field`: the fields that would change.' },
    },
  }),
};

// --- Responses, parameters, the document -----------------------------------------------------

const responses = {
  NotFound: problemResponse('`not_found`: no such subscription.'),
  PayloadTooLarge: problemResponse('`payload_too_large`: the body is over `limit` bytes.'),
  UnknownEventType: problemResponse('`unknown_event_type`: an event type named in the body does not exist (`eventTypes` lists them).'),
  KafkaUnavailable: problemResponse('`kafka_unavailable`: Kafka did not answer in time. Nothing was changed; retry after `Retry-After`.', { 'Retry-After': headerRef('Retry-After') }),
} satisfies Record<string, Response>;

const responseRef = (name: CommonResponseName | keyof typeof responses): Reference => componentRef('responses', name);

export const routerOpenApi: OpenApiDocument<ComponentSchemaName> = serviceOpenApi({
  title: 'Herald Router API',
  version: '1.0.0',
  summary:
    'Declare subscriptions: which events of which types a consumer wants, where the router delivers them and what happens when it cannot; and try a pattern on recent events.',
  servers: [{ url: 'http://localhost:8082', description: 'local' }],
  tags: [{ name: 'subscriptions', description: 'What is routed where, and what happens on failure.' }],
  readinessSummary: 'Readiness: Kafka and the catalogs answer',
  paths: {
    '/v1/subscriptions': {
      get: {
        operationId: 'listSubscriptions',
        summary: 'List subscriptions',
        description: 'Those the caller may see: its own, and those reading only types it may read (an admin sees all).',
        tags: ['subscriptions'],
        responses: {
          '200': jsonResponse('Sorted by name.', schemaRef('SubscriptionList')),
          '401': responseRef('Unauthorized'),
          '500': responseRef('Internal'),
        },
      },
      post: {
        operationId: 'createSubscription',
        summary: 'Create a subscription',
        description: 'Checks the pattern and the caller’s read grants, creates the destination and dead-letter topics, then records the subscription; the router applies it without a restart.',
        tags: ['subscriptions'],
        requestBody: jsonRequestBody('The new subscription.', schemaRef('SubscriptionCreate'), { billing: { value: subscriptionExample } }),
        responses: {
          '201': jsonResponse('Created, defaults filled in.', schemaRef('Subscription'), { Location: headerRef('Location') }),
          '400': problemResponse('`malformed_json`; `invalid_request`: the body does not match `SubscriptionCreate` (see `errors`); or `invalid_pattern`: the pattern is not valid (see `path` and `reason`).'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is not a reader of an event type (`eventTypes`), or only an admin may name another owner.'),
          '409': problemResponse('`already_exists`: a subscription of this name exists; or `conflict`: a topic is another subscription’s, or Kafka refuses its name (it collides with an existing topic’s).'),
          '413': responseRef('PayloadTooLarge'),
          '415': responseRef('UnsupportedMediaType'),
          '422': responseRef('UnknownEventType'),
          '500': responseRef('Internal'),
          '503': responseRef('KafkaUnavailable'),
        },
      },
    },
    '/v1/subscriptions/test': {
      post: {
        operationId: 'testPattern',
        summary: 'Try a pattern on recent events',
        description: 'Reads the newest `last` events of the type (spread over its partitions) and says for each whether the pattern matches it, and if not, where it fails. Writes nothing.',
        tags: ['subscriptions'],
        requestBody: jsonRequestBody('The type and the pattern.', schemaRef('PatternTestRequest'), { euros: { value: patternTestExample } }),
        responses: {
          '200': jsonResponse('Every event read, oldest first.', schemaRef('PatternTestResult')),
          '400': problemResponse('`malformed_json`; `invalid_request`: the body does not match `PatternTestRequest`, or `last` is over the configured maximum (see `errors`); or `invalid_pattern` (see `path` and `reason`).'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is not a reader of the type.'),
          '413': responseRef('PayloadTooLarge'),
          '415': responseRef('UnsupportedMediaType'),
          '422': responseRef('UnknownEventType'),
          '500': responseRef('Internal'),
          '503': problemResponse('`kafka_unavailable`: the events could not be read in time; or `registry_unavailable`: the schema registry did not answer when the data had to be decoded. Retry after `Retry-After`.', {
            'Retry-After': headerRef('Retry-After'),
          }),
        },
      },
    },
    '/v1/subscriptions/{name}': {
      parameters: [{ $ref: '#/components/parameters/SubscriptionName' }],
      get: {
        operationId: 'getSubscription',
        summary: 'Get a subscription',
        description: 'The owner, an admin, or a reader of every type it reads.',
        tags: ['subscriptions'],
        responses: {
          '200': jsonResponse('The subscription.', schemaRef('Subscription')),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is not the owner, not an admin, and not a reader of every type it reads.'),
          '404': responseRef('NotFound'),
          '500': responseRef('Internal'),
        },
      },
      put: {
        operationId: 'replaceSubscription',
        summary: 'Change a subscription',
        description: 'Owner or admin. A changed `eventTypes` list is checked as on creation. The router applies the change without a restart.',
        tags: ['subscriptions'],
        requestBody: jsonRequestBody('The whole new declaration.', schemaRef('SubscriptionUpdate'), {
          billing: { summary: 'Retry longer', value: { ...subscriptionResourceExample, failure: { retry: { maxAttempts: 10 }, then: 'dead-letter' } } },
        }),
        responses: {
          '200': jsonResponse('The changed subscription.', schemaRef('Subscription')),
          '400': problemResponse('`malformed_json`; `invalid_request`: the body does not match `SubscriptionUpdate` (see `errors`); or `invalid_pattern` (see `path` and `reason`).'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is neither the owner nor an admin, or not a reader of a type in a changed `eventTypes` list.'),
          '404': responseRef('NotFound'),
          '409': problemResponse('`immutable_field`: `name`, `destination.topic` or `destination.deadLetterTopic` would change (`fields` names them); or `conflict`: a concurrent change, or not at the `revision` sent.'),
          '413': responseRef('PayloadTooLarge'),
          '415': responseRef('UnsupportedMediaType'),
          '422': responseRef('UnknownEventType'),
          '500': responseRef('Internal'),
          '503': responseRef('KafkaUnavailable'),
        },
      },
      delete: {
        operationId: 'deleteSubscription',
        summary: 'Delete a subscription',
        description: 'Owner or admin. The router stops routing to it; the topics and what is in them stay.',
        tags: ['subscriptions'],
        responses: {
          '204': { description: 'Deleted.' },
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is neither the owner nor an admin.'),
          '404': responseRef('NotFound'),
          '409': problemResponse('`conflict`: a concurrent change, retry.'),
          '500': responseRef('Internal'),
          '503': responseRef('KafkaUnavailable'),
        },
      },
    },
  },
  schemas: componentSchemas,
  responses,
  parameters: {
    SubscriptionName: { name: 'name', in: 'path', required: true, description: 'The subscription.', schema: schemaRef('SubscriptionName') },
  },
  locationDescription: 'The new resource, `/v1/subscriptions/<name>`.',
});
