// The replay service's HTTP API (docs/replay-api.md) as an OpenAPI 3.1 document, served at
// /openapi.json. Its component schemas are also what replays-api.ts compiles, so the published
// contract and the checks the service makes cannot drift apart.
import { SUBSCRIPTION_NAME } from '@herald/catalog';
import { componentRef, fieldErrorSchema, headerRef, jsonRequestBody, jsonResponse, problemResponse, problemSchema, serviceOpenApi, type CommonResponseName, type JsonSchema, type OpenApiDocument, type ProblemCode, type Reference, type Response } from '@herald/runtime';
import { controls, jobStates, replayModes, versionSources, type JobView, type ReplayRequest } from './jobs/model.js';

export const componentSchemaNames = [
  'ReplayId',
  'EventTypeName',
  'SubscriptionName',
  'Offset',
  'DateTime',
  'Pattern',
  'ReplaySource',
  'RangeStart',
  'RangeEnd',
  'ReplayTarget',
  'ReplayRequest',
  'RedriveRequest',
  'Counts',
  'PartitionProgress',
  'Replay',
  'ReplayList',
  'RewindRequest',
  'RewindResult',
  'FieldError',
  'Problem',
] as const;
export type ComponentSchemaName = (typeof componentSchemaNames)[number];

export const schemaRef = (name: ComponentSchemaName): JsonSchema => componentRef('schemas', name);

const documentedProblemCodes = [
  'malformed_json',
  'invalid_request',
  'invalid_pattern',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'group_active',
  'payload_too_large',
  'unsupported_media_type',
  'unknown_event_type',
  'invalid_target',
  'internal',
  'not_ready',
  'kafka_unavailable',
  'target_unavailable',
] as const satisfies readonly ProblemCode[];

/** Every `code` a replay problem response can carry. */
export const replayProblemCodes: readonly ProblemCode[] = documentedProblemCodes;

/** Most event types one replay reads. */
export const MAX_EVENT_TYPES = 20;
/** Topics a replay may create and write without owning anything: `replay.<name>`. */
export const REPLAY_TOPIC_PREFIX = 'replay.';

const offsetEntry: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    topic: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$', description: 'Needed when the job reads several topics.' },
    partition: { type: 'integer', minimum: 0, maximum: 100_000 },
    offset: schemaRef('Offset'),
  },
  required: ['partition', 'offset'],
};

const requestExample = {
  description: 'Rebuild the rides read model',
  source: { eventTypes: ['com.acme.rides.ride.requested', 'com.acme.rides.ride.accepted', 'com.acme.rides.ride.completed'] },
  mode: 'latest',
  target: { kind: 'postgres', table: 'rides', version: 'recordedtime', deleteWhen: { data: { status: ['CANCELLED'] } } },
} satisfies ReplayRequest;

const windowExample = {
  source: { eventTypes: ['com.acme.rides.ride.completed'] },
  from: { timestamp: '2026-11-25T00:00:00Z' },
  to: { timestamp: '2026-11-26T00:00:00Z' },
  pattern: { data: { currency: ['EUR'] } },
  target: { kind: 'topic', topic: 'replay.completed-rides-2026-11-25' },
  rateLimit: 5000,
} satisfies ReplayRequest;

const counts = { read: 120_000, matched: 50_000, written: 50_000, skipped: 0, deleted: 0, rejected: 0 };
const viewExample = {
  id: '0193a5c4-6f1e-7c3a-9d2b-5e8f1a2b3c4d',
  kind: 'replay',
  owner: 'analytics',
  spec: { ...windowExample, mode: 'history', dryRun: false, from: windowExample.from, to: windowExample.to },
  control: 'run',
  state: 'running',
  phase: 'history',
  counts,
  partitions: [{ topic: 'events.com.acme.rides.ride.completed', partition: 0, phase: 'history', start: '1000', end: '21000', position: '13000', read: 12_000, matched: 5000, remaining: '8000' }],
  remaining: 8000,
  percent: 60,
  rate: 4980,
  etaSeconds: 2,
  createdAt: '2026-11-26T10:00:00.000Z',
  startedAt: '2026-11-26T10:00:00.100Z',
  updatedAt: '2026-11-26T10:00:03.000Z',
  finishedAt: null,
  error: null,
} satisfies JobView;

export const componentSchemas: Record<ComponentSchemaName, JsonSchema> = {
  ReplayId: { type: 'string', description: 'A replay job id (UUIDv7).', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' },
  EventTypeName: { type: 'string', description: 'Reverse-DNS name of an event type.', pattern: '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*){2,}$', maxLength: 200 },
  SubscriptionName: { type: 'string', pattern: SUBSCRIPTION_NAME.source },
  Offset: { type: 'string', description: 'A Kafka offset, in decimal (64-bit: not a JSON number).', pattern: '^\\d{1,19}$' },
  DateTime: { type: 'string', format: 'date-time', description: 'RFC 3339.' },
  Pattern: {
    type: 'object',
    description: 'An event pattern, in the router\'s language (EventBridge style), over the CloudEvents attributes and the decoded `data`. Checked when sent: `invalid_pattern` says what is wrong where.',
  },
  ReplaySource: {
    description: 'What to read: the history of event types (`events.<type>`), or a subscription\'s destination or dead-letter topic.',
    oneOf: [
      {
        type: 'object',
        additionalProperties: false,
        properties: { eventTypes: { type: 'array', items: schemaRef('EventTypeName'), minItems: 1, maxItems: MAX_EVENT_TYPES, uniqueItems: true } },
        required: ['eventTypes'],
      },
      {
        type: 'object',
        additionalProperties: false,
        properties: { subscription: schemaRef('SubscriptionName'), topic: { enum: ['destination', 'dead-letter'] } },
        required: ['subscription', 'topic'],
      },
    ],
  },
  RangeStart: {
    description: 'Where to start, per partition. Default: the earliest retained offset. Partitions that `offsets` does not list start at their earliest.',
    oneOf: [
      { type: 'object', additionalProperties: false, properties: { earliest: { const: true } }, required: ['earliest'] },
      { type: 'object', additionalProperties: false, properties: { timestamp: schemaRef('DateTime') }, required: ['timestamp'] },
      { type: 'object', additionalProperties: false, properties: { offsets: { type: 'array', items: offsetEntry, minItems: 1, maxItems: 10_000 } }, required: ['offsets'] },
    ],
  },
  RangeEnd: {
    description: 'Where to stop (exclusive), per partition, resolved once when the job is created: every job ends. Default: the end as it is then.',
    oneOf: [
      { type: 'object', additionalProperties: false, properties: { latest: { const: true } }, required: ['latest'] },
      { type: 'object', additionalProperties: false, properties: { timestamp: schemaRef('DateTime') }, required: ['timestamp'] },
    ],
  },
  ReplayTarget: {
    description: 'Where to write.',
    oneOf: [
      {
        type: 'object',
        description: 'A Kafka topic: `replay.<name>` (created when missing), or a subscription\'s destination topic (its owner or an admin). Records are copied unchanged, exactly once.',
        additionalProperties: false,
        properties: { kind: { const: 'topic' }, topic: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' } },
        required: ['kind', 'topic'],
      },
      {
        type: 'object',
        description: 'A table of the configured PostgreSQL database, created or checked: typed columns from the Avro schema. Upserts guarded by the version; `deleteWhen` events delete the row.',
        additionalProperties: false,
        properties: {
          kind: { const: 'postgres' },
          table: { type: 'string', pattern: '^[a-z_][a-z0-9_]{0,62}(\\.[a-z_][a-z0-9_]{0,62})?$', description: '`table` or `schema.table`.' },
          version: {
            enum: versionSources,
            description: 'What orders the events of one entity. `offset` (the default with one source topic): the Kafka offset; `sequence`: the event\'s `sequence` attribute; `recordedtime` (the default with several): when Herald recorded it.',
          },
          deleteWhen: { ...schemaRef('Pattern'), description: 'Events matching this pattern delete the entity\'s row.' },
        },
        required: ['kind', 'table'],
      },
      {
        type: 'object',
        description: 'Batched POSTs of CloudEvents (`application/cloudevents-batch+json`) to a URL under one of the configured prefixes, retried with backoff: at least once; `Idempotency-Key` lets a receiver drop retried batches.',
        additionalProperties: false,
        properties: { kind: { const: 'http' }, url: { type: 'string', format: 'uri' }, batchSize: { type: 'integer', minimum: 1, maximum: 10_000, default: 500 } },
        required: ['kind', 'url'],
      },
    ],
  },
  ReplayRequest: {
    type: 'object',
    description: 'A new replay job. Unknown properties are rejected.',
    additionalProperties: false,
    properties: {
      description: { type: 'string', maxLength: 2000 },
      source: schemaRef('ReplaySource'),
      from: schemaRef('RangeStart'),
      to: schemaRef('RangeEnd'),
      mode: {
        enum: replayModes,
        default: 'history',
        description: '`history`: every event in the range, in order per partition. `latest` (state types, whole range only): the newest event per key — from the type\'s latest-state topic where it has one, then the events after it; else from the history, keeping the newest per key.',
      },
      pattern: { ...schemaRef('Pattern'), description: 'Only events that match. Default: all.' },
      target: schemaRef('ReplayTarget'),
      rateLimit: { type: 'number', exclusiveMinimum: 0, maximum: 10_000_000, description: 'Events per second, at most.' },
      dryRun: { type: 'boolean', default: false, description: 'Count per partition what would be replayed; write nothing.' },
    },
    required: ['source', 'target'],
    examples: [requestExample, windowExample],
  },
  RedriveRequest: {
    type: 'object',
    description: 'Redrive a subscription\'s dead letters to its destination topic.',
    additionalProperties: false,
    properties: {
      pattern: { ...schemaRef('Pattern'), description: 'Only the dead letters that match, on their attributes and data. Default: all.' },
      dryRun: { type: 'boolean', default: false },
      rateLimit: { type: 'number', exclusiveMinimum: 0, maximum: 10_000_000 },
    },
  },
  Counts: {
    type: 'object',
    properties: {
      read: { type: 'integer', description: 'Records read.' },
      matched: { type: 'integer', description: 'Events replayed (or, dry, that would be): they passed the pattern.' },
      written: { type: 'integer', description: 'Events (rows) the target accepted.' },
      skipped: { type: 'integer', description: 'Already applied (an older or equal version), or tombstones.' },
      deleted: { type: 'integer', description: 'Rows deleted.' },
      rejected: { type: 'integer', description: 'Records that are not verified Herald events, or whose data cannot be decoded: never replayed.' },
    },
    required: ['read', 'matched', 'written', 'skipped', 'deleted', 'rejected'],
  },
  PartitionProgress: {
    type: 'object',
    properties: {
      topic: { type: 'string' },
      partition: { type: 'integer' },
      phase: { enum: ['history', 'snapshot', 'tail', 'scan', 'emit'] },
      start: schemaRef('Offset'),
      end: schemaRef('Offset'),
      position: { type: ['string', 'null'], description: 'The next offset to read.' },
      read: { type: 'integer' },
      matched: { type: 'integer', description: 'Events of this partition replayed (or, dry, that would be).' },
      remaining: { ...schemaRef('Offset'), description: 'Records left to read in this partition.' },
    },
    required: ['topic', 'partition', 'phase', 'start', 'end', 'position', 'read', 'matched', 'remaining'],
  },
  Replay: {
    type: 'object',
    description: 'A replay job and its progress.',
    properties: {
      id: schemaRef('ReplayId'),
      kind: { enum: ['replay', 'redrive'] },
      owner: { type: 'string' },
      spec: schemaRef('ReplayRequest'),
      control: { enum: controls, description: 'What the job was last told to do.' },
      state: { enum: jobStates },
      phase: { enum: ['history', 'snapshot', 'scan', 'emit', 'tail', null] },
      counts: schemaRef('Counts'),
      partitions: { type: 'array', items: schemaRef('PartitionProgress') },
      remaining: { type: 'integer', description: 'Records left to read in the known ranges.' },
      percent: { type: ['number', 'null'] },
      rate: { type: 'number', description: 'Records read per second, recently.' },
      etaSeconds: { type: ['number', 'null'] },
      createdAt: schemaRef('DateTime'),
      startedAt: { type: ['string', 'null'] },
      updatedAt: schemaRef('DateTime'),
      finishedAt: { type: ['string', 'null'] },
      error: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
    },
    required: ['id', 'kind', 'owner', 'spec', 'control', 'state', 'counts', 'partitions', 'createdAt', 'updatedAt'],
    examples: [viewExample],
  },
  ReplayList: { type: 'object', properties: { items: { type: 'array', items: schemaRef('Replay') } }, required: ['items'] },
  RewindRequest: {
    type: 'object',
    description: 'Where to move the group\'s committed offsets on the subscription\'s destination topic.',
    additionalProperties: false,
    properties: {
      subscription: schemaRef('SubscriptionName'),
      to: {
        oneOf: [
          { type: 'object', additionalProperties: false, properties: { timestamp: schemaRef('DateTime') }, required: ['timestamp'] },
          {
            type: 'object',
            additionalProperties: false,
            properties: {
              offsets: {
                type: 'array',
                items: { type: 'object', additionalProperties: false, properties: { partition: { type: 'integer', minimum: 0 }, offset: { type: ['string', 'integer'] } }, required: ['partition', 'offset'] },
              },
            },
            required: ['offsets'],
          },
          { type: 'object', additionalProperties: false, properties: { earliest: { const: true } }, required: ['earliest'] },
          { type: 'object', additionalProperties: false, properties: { latest: { const: true } }, required: ['latest'] },
        ],
      },
      dryRun: { type: 'boolean', default: false },
    },
    required: ['subscription', 'to'],
    examples: [{ subscription: 'billing.completed-rides', to: { timestamp: '2026-11-26T08:00:00Z' }, dryRun: true }],
  },
  RewindResult: {
    type: 'object',
    properties: {
      group: { type: 'string' },
      topic: { type: 'string' },
      subscription: { type: 'string' },
      dryRun: { type: 'boolean' },
      partitions: {
        type: 'array',
        items: { type: 'object', properties: { partition: { type: 'integer' }, from: { type: ['string', 'null'] }, to: { type: 'string' } }, required: ['partition', 'from', 'to'] },
      },
    },
    required: ['group', 'topic', 'subscription', 'dryRun', 'partitions'],
  },
  FieldError: fieldErrorSchema({ pathDescription: 'JSON pointer into the body.' }),
  Problem: problemSchema({ codes: documentedProblemCodes, errorsFor: ['invalid_request'], members: { path: { type: 'string', description: '`invalid_pattern`: where in the pattern.' }, reason: { type: 'string' } } }),
};

const responseRef = (name: CommonResponseName | 'NotFound' | 'KafkaUnavailable' | 'PayloadTooLarge'): Reference => componentRef('responses', name);

const responses: Record<string, Response> = {
  NotFound: problemResponse('`not_found`: no such replay job (or subscription).'),
  KafkaUnavailable: problemResponse('`kafka_unavailable`: Kafka did not answer in time; nothing was changed. Retry after `Retry-After`.', { 'Retry-After': headerRef('Retry-After') }),
  PayloadTooLarge: problemResponse('`payload_too_large`: the body is over the configured limit.'),
};

const controlOperation = (action: 'pause' | 'resume' | 'cancel', summary: string, description: string) => ({
  post: {
    operationId: `${action}Replay`,
    summary,
    description,
    tags: ['replays'],
    responses: {
      '200': jsonResponse('The job, once the runner has acted on it.', schemaRef('Replay')),
      '202': jsonResponse('Recorded; the runner has not acted on it yet (no runner, or busy).', schemaRef('Replay')),
      '401': responseRef('Unauthorized'),
      '403': problemResponse('`forbidden`: only the job\'s owner or an admin.'),
      '404': responseRef('NotFound'),
      '409': problemResponse('`conflict`: the job has finished (completed, failed or cancelled).'),
      '500': responseRef('Internal'),
      '503': responseRef('KafkaUnavailable'),
    },
  },
});

export const replayOpenApi: OpenApiDocument<ComponentSchemaName> = serviceOpenApi({
  title: 'Herald replay API',
  version: '1.0.0',
  summary:
    'Replays retained history (event types, or a subscription\'s destination or dead-letter topic) into a Kafka topic, a PostgreSQL table or an HTTP endpoint; jobs are bounded, observable, resumable and safe to run twice. Also rewinds a subscriber\'s consumer group, and redrives dead letters.',
  servers: [{ url: 'http://localhost:8083', description: 'npm start' }],
  tags: [
    { name: 'replays', description: 'Replay jobs.' },
    { name: 'consumer-groups', description: 'Rewinding subscribers\' groups.' },
  ],
  readinessSummary: 'Readiness: Kafka answers and the replay jobs, event types and subscriptions are loaded.',
  paths: {
    '/v1/replays': {
      get: {
        operationId: 'listReplays',
        summary: 'List replay jobs',
        description: 'The jobs the caller owns (an admin: all), oldest first.',
        tags: ['replays'],
        responses: { '200': jsonResponse('The jobs.', schemaRef('ReplayList')), '401': responseRef('Unauthorized'), '500': responseRef('Internal') },
      },
      post: {
        operationId: 'startReplay',
        summary: 'Start a replay job',
        description:
          'Checks the request, fixes the range (every partition\'s end offset), checks or creates the target, and records the job; the runner starts it. Only a reader of every source event type may start one.',
        tags: ['replays'],
        requestBody: jsonRequestBody('The job.', schemaRef('ReplayRequest'), { latest: { value: requestExample }, window: { value: windowExample } }),
        responses: {
          '201': jsonResponse('Recorded; `Location` names it.', schemaRef('Replay'), { Location: headerRef('Location') }),
          '400': problemResponse('`malformed_json`; `invalid_request` (see `errors`), e.g. an offset out of range or a target topic Herald may not write; or `invalid_pattern`.'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is not a reader of every source type (or does not own the subscription whose topic is the target).'),
          '404': problemResponse('`not_found`: no such subscription.'),
          '413': responseRef('PayloadTooLarge'),
          '415': responseRef('UnsupportedMediaType'),
          '422': problemResponse('`unknown_event_type`; or `invalid_target`: the target is not configured, or its table does not fit the schema.'),
          '500': responseRef('Internal'),
          '503': problemResponse('`kafka_unavailable` or `target_unavailable` (PostgreSQL did not answer). Retry after `Retry-After`.', { 'Retry-After': headerRef('Retry-After') }),
        },
      },
    },
    '/v1/replays/{id}': {
      parameters: [{ $ref: '#/components/parameters/ReplayId' }],
      get: {
        operationId: 'getReplay',
        summary: 'A replay job and its progress',
        description: 'State, position per partition, counts, rate and ETA. The owner, an admin, or a reader of every source type.',
        tags: ['replays'],
        responses: { '200': jsonResponse('The job.', schemaRef('Replay')), '401': responseRef('Unauthorized'), '403': problemResponse('`forbidden`.'), '404': responseRef('NotFound'), '500': responseRef('Internal') },
      },
    },
    '/v1/replays/{id}/events': {
      parameters: [{ $ref: '#/components/parameters/ReplayId' }],
      get: {
        operationId: 'streamReplay',
        summary: 'Live progress (server-sent events)',
        description: '`text/event-stream`: a `progress` event with the job (as `GET /v1/replays/{id}`) now and at every checkpoint, then `end` when it has finished, and the stream closes. Comments keep the connection alive.',
        tags: ['replays'],
        responses: {
          '200': { description: 'The stream.', content: { 'text/event-stream': { schema: { type: 'string' } } } },
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`.'),
          '404': responseRef('NotFound'),
        },
      },
    },
    '/v1/replays/{id}/pause': { parameters: [{ $ref: '#/components/parameters/ReplayId' }], ...controlOperation('pause', 'Pause a replay job', 'The job stops at its next record and checkpoints; resume continues from there.') },
    '/v1/replays/{id}/resume': { parameters: [{ $ref: '#/components/parameters/ReplayId' }], ...controlOperation('resume', 'Resume a paused job', 'The job continues from its checkpoint.') },
    '/v1/replays/{id}/cancel': { parameters: [{ $ref: '#/components/parameters/ReplayId' }], ...controlOperation('cancel', 'Cancel a replay job', 'The job stops within a second and writes nothing more; what it wrote stays.') },
    '/v1/subscriptions/{name}/redrive': {
      parameters: [{ name: 'name', in: 'path', required: true, description: 'The subscription.', schema: schemaRef('SubscriptionName') }],
      post: {
        operationId: 'redriveDeadLetters',
        summary: 'Redrive dead letters',
        description:
          'A replay job from the subscription\'s dead-letter topic to its destination topic, of the dead letters there now (optionally only those matching `pattern`), without their `herald-error-*` headers. Its counts say how many were redriven. The owner or an admin, reader of every type the subscription reads.',
        tags: ['replays'],
        requestBody: jsonRequestBody('Which dead letters.', schemaRef('RedriveRequest'), { all: { value: {} }, eur: { value: { pattern: { data: { currency: ['EUR'] } } } } }),
        responses: {
          '201': jsonResponse('The redrive job.', schemaRef('Replay'), { Location: headerRef('Location') }),
          '400': problemResponse('`malformed_json`; `invalid_request`; or `invalid_pattern`.'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`.'),
          '404': responseRef('NotFound'),
          '500': responseRef('Internal'),
          '503': responseRef('KafkaUnavailable'),
        },
      },
    },
    '/v1/consumer-groups/{group}/rewind': {
      parameters: [{ name: 'group', in: 'path', required: true, description: 'The consumer group.', schema: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' } }],
      post: {
        operationId: 'rewindConsumerGroup',
        summary: 'Rewind a subscriber\'s consumer group',
        description:
          'Moves the group\'s committed offsets on the subscription\'s destination topic to a time, to offsets, or to either end. Kafka only lets an empty group\'s offsets be set: stop the consumers first. `dryRun` shows the offsets it would set. The subscription\'s owner or an admin.',
        tags: ['consumer-groups'],
        requestBody: jsonRequestBody('Where to.', schemaRef('RewindRequest'), { time: { value: { subscription: 'billing.completed-rides', to: { timestamp: '2026-11-26T08:00:00Z' } } } }),
        responses: {
          '200': jsonResponse('The offsets set (or, dry, that would be).', schemaRef('RewindResult')),
          '400': problemResponse('`malformed_json`; `invalid_request`: e.g. an offset out of a partition\'s range.'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: not the subscription\'s owner nor an admin.'),
          '404': problemResponse('`not_found`: no such subscription, or its topic does not exist.'),
          '409': problemResponse('`group_active`: the group has members; stop them and retry.'),
          '500': responseRef('Internal'),
          '503': responseRef('KafkaUnavailable'),
        },
      },
    },
  },
  schemas: componentSchemas,
  responses,
  parameters: { ReplayId: { name: 'id', in: 'path', required: true, description: 'The job.', schema: schemaRef('ReplayId') } },
  locationDescription: 'The new job, `/v1/replays/<id>`.',
});
