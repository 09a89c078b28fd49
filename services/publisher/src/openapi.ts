// The publisher's HTTP API (docs/publisher-api.md) as an OpenAPI 3.1 document, served at
// /openapi.json. Its component schemas are JSON Schema 2020-12 and are also what validation.ts
// compiles, so the published contract and the checks the service makes cannot drift apart.
// What every service's document shares (operational routes, security, Problem) is
// @herald/runtime's; this file holds the publisher's own routes and schemas.
import { compatibilityLevels, eventModes, type EventType, type EventTypeSpec, type TopicSettings } from '@herald/catalog';
import { componentRef, fieldErrorSchema, headerRef, jsonRequestBody, jsonResponse, objectSchema, problemResponse, problemSchema, serviceOpenApi, type CommonResponseName, type JsonSchema, type OpenApiDocument, type ProblemCode, type Reference, type RequiredKeys, type Response } from '@herald/runtime';

// --- Bodies as TypeScript sees them once validated -------------------------------------------

/** One event as a producer sends it; Herald stamps the rest of the CloudEvents attributes. */
export interface PublishEventBody {
  data: unknown;
  id?: string;
  time?: string;
  subject?: string;
  partitionKey?: string;
  dataref?: string;
  traceparent?: string;
  sequence?: string;
}

export type PublishRequestBody = PublishEventBody | PublishEventBody[];

export interface PublishedEvent {
  id: string;
  partition: number;
  /** Decimal: Kafka offsets are 64-bit and JSON numbers are not. */
  offset: string;
  duplicate: boolean;
}

export interface PublishResult {
  events: PublishedEvent[];
}

export type EventTypeCreateBody = Pick<EventTypeSpec, 'name' | 'description' | 'source' | 'mode' | 'schema' | 'partitionKey'> &
  Partial<Pick<EventTypeSpec, 'owner' | 'compatibility' | 'writers' | 'readers'>> & { topic?: Partial<TopicSettings> };

/** What Herald derives and records: in responses, and ignored when a client sends them back. */
export const eventTypeReadOnlyFields = ['topicName', 'latestStateTopicName', 'subject', 'schemaId', 'schemaVersion', 'revision', 'createdAt', 'updatedAt'] as const;
type EventTypeReadOnlyField = (typeof eventTypeReadOnlyFields)[number];

/** A PUT body is a whole declaration; `name` and the read-only fields may come along from a GET and are ignored. */
export type EventTypeUpdateBody = Omit<EventTypeCreateBody, 'name'> & { [Field in 'name' | EventTypeReadOnlyField]?: unknown };

// --- Component schemas -----------------------------------------------------------------------

export const componentSchemaNames = [
  'EventTypeName',
  'PrincipalId',
  'EventTypeCreate',
  'EventTypeUpdate',
  'EventType',
  'EventTypeList',
  'PublishEvent',
  'PublishEventBatch',
  'PublishRequest',
  'PublishResult',
  'FieldError',
  'Problem',
] as const;
export type ComponentSchemaName = (typeof componentSchemaNames)[number];

/** A `$ref` to a component schema, by a name the compiler knows. */
export const schemaRef = (name: ComponentSchemaName): JsonSchema => componentRef('schemas', name);

// The codes of the error table in docs/publisher-api.md: every code a publisher problem can carry.
const documentedProblemCodes = [
  'malformed_json',
  'invalid_request',
  'provenance_not_allowed',
  'unauthorized',
  'forbidden',
  'not_found',
  'already_exists',
  'incompatible_schema',
  'immutable_field',
  'payload_too_large',
  'unsupported_media_type',
  'invalid_event',
  'invalid_schema',
  'rate_limited',
  'kafka_unavailable',
  'conflict',
  'registry_unavailable',
  'not_ready',
  'internal',
] as const satisfies readonly ProblemCode[];

/** Every `code` a publisher problem response can carry. */
export const publisherProblemCodes: readonly ProblemCode[] = documentedProblemCodes;

/** CloudEvents attributes Herald stamps itself: a publish body that sets one is answered `provenance_not_allowed`. */
export const provenanceAttributes = ['source', 'type', 'specversion', 'recordedtime', 'authtype', 'authid', 'dataschema', 'datacontenttype'] as const;
export type ProvenanceAttribute = (typeof provenanceAttributes)[number];

const principalIds = (who: string): JsonSchema => ({
  type: 'array',
  description: `Principal ids ${who}.`,
  items: schemaRef('PrincipalId'),
  maxItems: 1000,
  default: [],
});

const topicSettings = (required: readonly RequiredKeys<TopicSettings>[]) =>
  objectSchema<TopicSettings>({
    description: 'The Kafka topic `events.<name>` (and `state.<name>`).',
    additionalProperties: false,
    properties: {
      partitions: { type: 'integer', minimum: 1, maximum: 1000, default: 6, description: 'Immutable: more partitions would move keys and break their order.' },
      retentionMs: {
        type: 'integer',
        description: 'How long Kafka keeps events: -1 for ever, or at least an hour.',
        anyOf: [{ const: -1 }, { minimum: 3_600_000 }],
        default: 604_800_000,
      },
      replicationFactor: { type: 'integer', minimum: 1, maximum: 32, description: 'Set at creation only. Default 3, or the broker count when smaller.' },
      latestState: { type: 'boolean', default: false, description: 'State types only: also keep a compacted `state.<name>` topic with the newest event per key.' },
    },
    required,
  });

// What a client declares about a type, shared by the create, update and resource schemas.
const eventTypeSpecProperties = {
  description: { type: 'string', minLength: 1, maxLength: 2000 },
  owner: { ...schemaRef('PrincipalId'), description: 'Default: the calling principal. Only an admin may name another owner.' },
  source: {
    type: 'string',
    format: 'uri',
    // The envelope's cap on the `source` attribute: a longer one would make every event invalid.
    maxLength: 2048,
    description: 'Absolute URI: the default CloudEvents `source` of events of this type (a principal with a source of its own overrides it).',
  },
  mode: { enum: eventModes, description: 'Immutable. Notification events must carry `dataref`.' },
  schema: { type: ['object', 'array', 'string'], description: 'An Avro schema (as JSON), registered under `subject`.' },
  compatibility: { enum: compatibilityLevels, default: 'BACKWARD', description: 'The Confluent compatibility level new schemas are checked at.' },
  partitionKey: {
    type: 'string',
    pattern: '^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*$',
    description: 'Immutable. Dot path into the data whose value (a string or number) is the Kafka key.',
  },
  topic: topicSettings([]),
  writers: principalIds('that may publish events of this type'),
  readers: principalIds('that may read events of this type'),
} as const satisfies Record<keyof Omit<EventTypeSpec, 'name'>, JsonSchema>;

const eventTypeReadOnlyProperties = {
  topicName: { type: 'string', readOnly: true, description: '`events.<name>`' },
  latestStateTopicName: { type: 'string', readOnly: true, description: '`state.<name>`, when `topic.latestState`.' },
  subject: { type: 'string', readOnly: true, description: 'The schema registry subject, `events.<name>-value`.' },
  schemaId: { type: 'integer', minimum: 1, readOnly: true },
  schemaVersion: { type: 'integer', minimum: 1, readOnly: true },
  revision: { type: 'integer', minimum: 1, readOnly: true, description: 'Increases with every change.' },
  createdAt: { type: 'string', format: 'date-time', readOnly: true },
  updatedAt: { type: 'string', format: 'date-time', readOnly: true },
} as const satisfies Record<EventTypeReadOnlyField, JsonSchema>;

const eventTypeSpecRequired = ['description', 'source', 'mode', 'schema', 'partitionKey'] as const;

const ignoredOnUpdate = (why: string): JsonSchema => ({ description: `Ignored: ${why}.` });

// Accepted, so that a GET → edit → PUT round trip works, but never applied.
const eventTypeReadOnlyIgnored = Object.fromEntries(eventTypeReadOnlyFields.map((field) => [field, ignoredOnUpdate('Herald derives it')])) as Record<EventTypeReadOnlyField, JsonSchema>;

const eventTypeExample = {
  name: 'com.acme.rides.ride.requested',
  description: 'A rider requested a ride; carries the whole ride.',
  owner: 'rides-team',
  source: 'https://rides.acme.example/dispatch',
  mode: 'state',
  schema: { type: 'record', name: 'Ride', namespace: 'com.acme.rides', fields: [{ name: 'rideId', type: 'string' }] },
  compatibility: 'BACKWARD',
  partitionKey: 'rideId',
  topic: { partitions: 6, retentionMs: 604800000, latestState: true },
  writers: ['rides-service'],
  readers: ['billing', 'analytics'],
} satisfies EventTypeCreateBody;

const publishEventExample = {
  data: { rideId: 'r-1' },
  id: '0193a5c4-6f1e-7c3a-9d2b-5e8f1a2b3c4d',
  time: '2026-11-26T10:00:00.000Z',
  subject: 'rides/r-1',
  traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
} satisfies PublishEventBody;

export const componentSchemas: Record<ComponentSchemaName, JsonSchema> = {
  EventTypeName: {
    type: 'string',
    description: 'Reverse-DNS name of an event type: the CloudEvents `type` of its events.',
    pattern: '^[a-z][a-z0-9_-]*(\\.[a-z][a-z0-9_-]*){2,}$',
    maxLength: 200,
    examples: ['com.acme.rides.ride.requested'],
  },
  PrincipalId: { type: 'string', description: 'The id of an authenticated principal (API key or JWT subject).', pattern: '^[A-Za-z0-9._:@-]{1,128}$' },
  EventTypeCreate: objectSchema<EventTypeCreateBody>({
    description: 'A new event type. Unknown properties are rejected.',
    additionalProperties: false,
    properties: { name: schemaRef('EventTypeName'), ...eventTypeSpecProperties },
    required: ['name', ...eventTypeSpecRequired],
    examples: [eventTypeExample],
  }),
  EventTypeUpdate: objectSchema<EventTypeUpdateBody>({
    description: 'The whole new declaration of an event type. `mode`, `partitionKey` and `topic.partitions` must stay as they are.',
    additionalProperties: false,
    properties: {
      name: ignoredOnUpdate('PUT takes the name from the path'),
      ...eventTypeSpecProperties,
      ...eventTypeReadOnlyIgnored,
    },
    required: eventTypeSpecRequired,
  }),
  EventType: objectSchema<EventType>({
    description: 'An event type as Herald keeps it. (Open to new properties: clients must ignore ones they do not know.)',
    properties: {
      name: schemaRef('EventTypeName'),
      ...eventTypeSpecProperties,
      owner: schemaRef('PrincipalId'),
      topic: topicSettings(['partitions', 'retentionMs', 'latestState']),
      ...eventTypeReadOnlyProperties,
    },
    required: ['name', 'description', 'owner', 'source', 'mode', 'schema', 'compatibility', 'partitionKey', 'topic', 'writers', 'readers', 'topicName', 'subject', 'schemaId', 'schemaVersion', 'revision', 'createdAt', 'updatedAt'],
  }),
  EventTypeList: {
    type: 'object',
    required: ['items'],
    properties: { items: { type: 'array', items: schemaRef('EventType'), description: 'Sorted by name.' } },
  },
  PublishEvent: objectSchema<PublishEventBody>({
    description:
      'One event. Herald stamps `source`, `type`, `specversion`, `recordedtime`, `authtype`, `authid`, `dataschema` and `datacontenttype`; a body that sets one of the first seven is answered `provenance_not_allowed`.',
    additionalProperties: false,
    properties: {
      data: { description: "The event's data, checked against the type's Avro schema." },
      id: { type: 'string', minLength: 1, maxLength: 256, description: 'Default: a new UUIDv7. Send your own to retry safely: `(source, id)` is deduplicated.' },
      time: { type: 'string', format: 'date-time', description: 'When it happened. Default: now.' },
      subject: { type: 'string', minLength: 1, maxLength: 1024, description: 'The entity the event is about.' },
      partitionKey: { type: 'string', minLength: 1, maxLength: 1024, description: "Default: the value at the type's `partitionKey` path in `data`." },
      // The envelope's cap on the `dataref` attribute.
      dataref: { type: 'string', format: 'uri-reference', maxLength: 2048, description: 'Where to fetch the state; required for notification types.' },
      traceparent: { type: 'string', pattern: '^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$', description: 'W3C trace context.' },
      sequence: { type: 'string', minLength: 1, maxLength: 256, description: 'Per-key sequence or entity version.' },
    },
    required: ['data'],
    examples: [publishEventExample],
  }),
  PublishEventBatch: {
    type: 'array',
    // No maxItems: the limit is configuration (maxBatchEvents), answered 413 with limitName `batchEvents`.
    description: 'Events validated whole and written all or nothing.',
    items: schemaRef('PublishEvent'),
    minItems: 1,
  },
  PublishRequest: { oneOf: [schemaRef('PublishEvent'), schemaRef('PublishEventBatch')] },
  PublishResult: {
    type: 'object',
    required: ['events'],
    properties: {
      events: {
        type: 'array',
        description: 'One entry per event, in request order.',
        items: objectSchema<PublishedEvent>({
          properties: {
            id: { type: 'string' },
            partition: { type: 'integer', minimum: 0 },
            offset: { type: 'string', pattern: '^[0-9]+$', description: 'Decimal: Kafka offsets are 64-bit.' },
            duplicate: { type: 'boolean', description: 'Already written within the dedupe window: partition and offset are the original’s.' },
          },
          required: ['id', 'partition', 'offset', 'duplicate'],
        }),
      },
    },
  },
  FieldError: fieldErrorSchema({
    pathDescription: 'JSON pointer into the body (or into the event, with `index`).',
    properties: { index: { type: 'integer', minimum: 0, description: '`invalid_event`: the event’s position in the batch.' } },
  }),
  Problem: problemSchema({
    codes: publisherProblemCodes,
    errorsFor: ['invalid_request', 'provenance_not_allowed', 'invalid_event'],
    limitNames: ['batchEvents', 'eventBytes'],
  }),
};

// --- Responses, parameters, the document -----------------------------------------------------

const responses = {
  NotFound: problemResponse('`not_found`: no such event type.'),
  Unavailable: problemResponse('`kafka_unavailable`: Kafka did not answer in time, or `registry_unavailable`: the schema registry did not. Nothing was written; retry after `Retry-After`.', {
    'Retry-After': headerRef('Retry-After'),
  }),
} satisfies Record<string, Response>;

const responseRef = (name: CommonResponseName | keyof typeof responses): Reference => componentRef('responses', name);

export const publisherOpenApi: OpenApiDocument<ComponentSchemaName> = serviceOpenApi({
  title: 'Herald Publisher API',
  version: '1.0.0',
  summary: 'Declare event types and publish events to them.',
  servers: [{ url: 'http://localhost:8080', description: 'local' }],
  tags: [
    { name: 'event-types', description: 'What events exist, their schemas, topics and who may write them.' },
    { name: 'events', description: 'Publishing.' },
  ],
  readinessSummary: 'Readiness: Kafka and the catalog answer',
  paths: {
    '/v1/event-types': {
      get: {
        operationId: 'listEventTypes',
        summary: 'List event types',
        tags: ['event-types'],
        responses: {
          '200': jsonResponse('Every event type, sorted by name.', schemaRef('EventTypeList')),
          '401': responseRef('Unauthorized'),
          '500': responseRef('Internal'),
        },
      },
      post: {
        operationId: 'createEventType',
        summary: 'Create an event type',
        description:
          'Registers the schema under `events.<name>-value` at the type’s compatibility level, creates `events.<name>` (and `state.<name>`), then records the type. The caller owns it.',
        tags: ['event-types'],
        requestBody: jsonRequestBody('The new type.', schemaRef('EventTypeCreate'), { ride: { value: eventTypeExample } }),
        responses: {
          '201': jsonResponse('Created.', schemaRef('EventType'), { Location: headerRef('Location') }),
          '400': problemResponse('`malformed_json`, or `invalid_request`: the body does not match `EventTypeCreate` (see `errors`).'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: only an admin may name another owner.'),
          '409': problemResponse('`already_exists`: a type with this name exists, or `conflict`: a topic of its name exists with other settings.'),
          '413': problemResponse('`payload_too_large`: the body is over `limit` bytes.'),
          '415': responseRef('UnsupportedMediaType'),
          '422': problemResponse('`invalid_schema`: `schema` is not a valid Avro schema.'),
          '500': responseRef('Internal'),
          '503': responseRef('Unavailable'),
        },
      },
    },
    '/v1/event-types/{name}': {
      parameters: [{ $ref: '#/components/parameters/EventTypeName' }],
      get: {
        operationId: 'getEventType',
        summary: 'Get an event type',
        tags: ['event-types'],
        responses: {
          '200': jsonResponse('The type.', schemaRef('EventType')),
          '401': responseRef('Unauthorized'),
          '404': responseRef('NotFound'),
          '500': responseRef('Internal'),
        },
      },
      put: {
        operationId: 'replaceEventType',
        summary: 'Change an event type',
        description: 'Owner or admin. A new schema must pass the registry’s compatibility check at the type’s level.',
        tags: ['event-types'],
        requestBody: jsonRequestBody('The whole new declaration.', schemaRef('EventTypeUpdate'), {
          ride: { summary: 'A new description', value: { ...eventTypeExample, description: 'A rider requested a ride.' } },
        }),
        responses: {
          '200': jsonResponse('The changed type.', schemaRef('EventType')),
          '400': problemResponse('`malformed_json`, or `invalid_request`: the body does not match `EventTypeUpdate` (see `errors`).'),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is neither the owner nor an admin.'),
          '404': responseRef('NotFound'),
          '409': problemResponse(
            '`incompatible_schema`: the registry refuses the new schema (`detail` names the field); `immutable_field`: `mode`, `partitionKey` or `topic.partitions` changed; or `conflict`: a concurrent change, retry.',
          ),
          '413': problemResponse('`payload_too_large`: the body is over `limit` bytes.'),
          '415': responseRef('UnsupportedMediaType'),
          '422': problemResponse('`invalid_schema`: `schema` is not a valid Avro schema.'),
          '500': responseRef('Internal'),
          '503': responseRef('Unavailable'),
        },
      },
      delete: {
        operationId: 'deleteEventType',
        summary: 'Delete an event type',
        description: 'Owner or admin. The topics and their data stay.',
        tags: ['event-types'],
        responses: {
          '204': { description: 'Deleted.' },
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is neither the owner nor an admin.'),
          '404': responseRef('NotFound'),
          '409': problemResponse('`conflict`: a concurrent change, retry.'),
          '500': responseRef('Internal'),
        },
      },
    },
    '/v1/events/{type}': {
      parameters: [{ $ref: '#/components/parameters/EventTypeInPath' }],
      post: {
        operationId: 'publishEvents',
        summary: 'Publish one event or a batch',
        description:
          'A batch holds 1..`maxBatchEvents` (default 500) events; it is validated whole and written all or nothing. An event whose `(source, id)` was written within the dedupe window is not written again.',
        tags: ['events'],
        requestBody: jsonRequestBody('One event, or an array of events.', schemaRef('PublishRequest'), {
          event: { summary: 'One event', value: publishEventExample },
          batch: { summary: 'A batch', value: [publishEventExample, { data: { rideId: 'r-2' }, partitionKey: 'r-2' }] },
        }),
        responses: {
          '201': jsonResponse('Written; `events` in request order.', schemaRef('PublishResult')),
          '200': jsonResponse('Every event was a duplicate: nothing new was written.', schemaRef('PublishResult')),
          '400': problemResponse(
            '`malformed_json`; `invalid_request`: the body does not match `PublishRequest` (see `errors`); or `provenance_not_allowed`: the body sets an attribute Herald stamps (`errors` names each).',
          ),
          '401': responseRef('Unauthorized'),
          '403': problemResponse('`forbidden`: the caller is not a writer of the type.'),
          '404': responseRef('NotFound'),
          '413': problemResponse('`payload_too_large`: the body, the batch or an event is over `limit` (`limitName`: `bodyBytes`, `batchEvents` or `eventBytes`).'),
          '415': responseRef('UnsupportedMediaType'),
          '422': problemResponse('`invalid_event`: data that does not match the type’s Avro schema, a missing partition key, or another invalid attribute (see `errors`, with `index`).'),
          '429': problemResponse('`rate_limited`: the caller’s rate limit.', { 'Retry-After': headerRef('Retry-After') }),
          '500': responseRef('Internal'),
          '503': responseRef('Unavailable'),
        },
      },
    },
  },
  schemas: componentSchemas,
  responses,
  parameters: {
    EventTypeName: { name: 'name', in: 'path', required: true, description: 'The event type.', schema: schemaRef('EventTypeName') },
    EventTypeInPath: { name: 'type', in: 'path', required: true, description: 'The event type to publish to.', schema: schemaRef('EventTypeName') },
  },
  locationDescription: 'The new resource, `/v1/event-types/<name>`.',
});
