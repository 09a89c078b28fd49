// What every Herald service's OpenAPI 3.1 document shares: the types, problem+json responses
// and their `Problem` schema, bearer security, and the operational routes createServiceApp
// serves. A service's document (its openapi.ts) holds only its own routes and schemas.
import { PROBLEM_CONTENT_TYPE, type ProblemCode } from './problem.js';

// --- Types: just enough of OpenAPI 3.1 and JSON Schema to catch a misspelt keyword ---------

type JsonType = 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean' | 'null';

/** The JSON Schema 2020-12 keywords Herald's documents use (a type alias, not an interface, so that Ajv takes it as a schema object). */
export type JsonSchema = {
  $ref?: string;
  title?: string;
  description?: string;
  default?: unknown;
  examples?: readonly unknown[];
  readOnly?: boolean;
  type?: JsonType | readonly JsonType[];
  enum?: readonly unknown[];
  const?: unknown;
  properties?: Readonly<Record<string, JsonSchema>>;
  required?: readonly string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  anyOf?: readonly JsonSchema[];
  oneOf?: readonly JsonSchema[];
};

export interface Reference {
  $ref: string;
}

export interface Example {
  summary?: string;
  value: unknown;
}

export interface MediaType {
  schema: JsonSchema;
  examples?: Record<string, Example>;
}

export interface Header {
  description: string;
  required?: boolean;
  schema: JsonSchema;
}

export interface Response {
  description: string;
  headers?: Record<string, Header | Reference>;
  content?: Record<string, MediaType>;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description: string;
  schema: JsonSchema;
}

export interface RequestBody {
  description: string;
  required: boolean;
  content: Record<string, MediaType>;
}

/** Names of security schemes to their scopes; several entries are alternatives, `[]` means none needed. */
export type SecurityRequirement = Record<string, string[]>;

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: SecurityRequirement[];
  requestBody?: RequestBody;
  responses: Record<string, Response | Reference>;
}

export interface PathItem {
  parameters?: (Parameter | Reference)[];
  get?: Operation;
  put?: Operation;
  post?: Operation;
  delete?: Operation;
}

export interface SecurityScheme {
  type: 'http';
  scheme: 'bearer';
  bearerFormat: string;
  description: string;
}

export interface Tag {
  name: string;
  description: string;
}

export interface OpenApiDocument<SchemaName extends string = string> {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string; description: string }[];
  tags: Tag[];
  security: SecurityRequirement[];
  paths: Record<string, PathItem>;
  components: {
    schemas: Record<SchemaName, JsonSchema>;
    responses: Record<string, Response>;
    parameters: Record<string, Parameter>;
    headers: Record<string, Header>;
    securitySchemes: Record<string, SecurityScheme>;
  };
}

// --- Schemas ---------------------------------------------------------------------------------

export type RequiredKeys<T> = Extract<{ [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T], string>;

/**
 * An object schema whose property names are exactly T's keys and whose `required` names only
 * T's required keys, so the schema and the type a validator returns are checked against each other.
 */
export function objectSchema<T>(schema: Omit<JsonSchema, 'type' | 'properties' | 'required'> & { properties: { [K in keyof T]-?: JsonSchema }; required: readonly RequiredKeys<T>[] }): JsonSchema {
  return { type: 'object', ...schema };
}

/** A `$ref` into the document's components; a service narrows `name` to the names it defines. */
export function componentRef(kind: 'schemas' | 'responses' | 'parameters' | 'headers', name: string): Reference {
  return { $ref: `#/components/${kind}/${name}` };
}

/** The `FieldError` schema: one entry of a problem's `errors`, as request validation reports it. */
export function fieldErrorSchema(options: { pathDescription?: string; properties?: Record<string, JsonSchema> } = {}): JsonSchema {
  return {
    type: 'object',
    required: ['path', 'message'],
    properties: {
      ...options.properties,
      path: { type: 'string', format: 'json-pointer', description: options.pathDescription ?? 'JSON pointer into the body.' },
      message: { type: 'string' },
    },
  };
}

export interface ProblemSchemaOptions {
  /** Every `code` a problem of the service can carry. */
  codes: readonly ProblemCode[];
  /** The codes whose problems list every problem found in `errors`. */
  errorsFor: readonly ProblemCode[];
  /** Extension members of the service's own problems, e.g. `invalid_pattern`'s `path`. */
  members?: Record<string, JsonSchema>;
  /** `payload_too_large` limits the service enforces beyond the HTTP frame's `bodyBytes`. */
  limitNames?: readonly string[];
}

/** The `Problem` schema: RFC 9457 with Herald's `code`, and the members the HTTP frame adds (`limit`, `checks`). */
export function problemSchema(options: ProblemSchemaOptions): JsonSchema {
  return {
    type: 'object',
    description: 'RFC 9457 problem details with a stable `code`. (Open to extension members.)',
    required: ['type', 'title', 'status', 'code'],
    properties: {
      type: { type: 'string', format: 'uri' },
      title: { type: 'string' },
      status: { type: 'integer', minimum: 400, maximum: 599 },
      code: { enum: options.codes },
      detail: { type: 'string' },
      instance: { type: 'string', format: 'uri-reference' },
      errors: { type: 'array', items: componentRef('schemas', 'FieldError'), description: `${options.errorsFor.map((code) => `\`${code}\``).join(', ')}: every problem found.` },
      ...options.members,
      limit: { type: 'integer', description: '`payload_too_large`: the limit exceeded.' },
      limitName: { enum: ['bodyBytes', ...(options.limitNames ?? [])], description: '`payload_too_large`: which limit.' },
      checks: { type: 'object', additionalProperties: { type: 'string' }, description: '`not_ready`: each readiness check and its state.' },
    },
  };
}

// --- Responses, request bodies, security -------------------------------------------------------

export type SharedHeaderName = 'WWW-Authenticate' | 'Retry-After' | 'Location';

export const headerRef = (name: SharedHeaderName): Reference => componentRef('headers', name);

/** An error response: problem+json with the document's `Problem` schema. */
export function problemResponse(description: string, headers?: Response['headers']): Response {
  return { description, ...(headers && { headers }), content: { [PROBLEM_CONTENT_TYPE]: { schema: componentRef('schemas', 'Problem') } } };
}

export function jsonResponse(description: string, schema: JsonSchema, headers?: Response['headers']): Response {
  return { description, ...(headers && { headers }), content: { 'application/json': { schema } } };
}

export function jsonRequestBody(description: string, schema: JsonSchema, examples: Record<string, Example>): RequestBody {
  return { description, required: true, content: { 'application/json': { schema, examples } } };
}

/** The responses every service's `/v1` routes share, answered by the HTTP frame and `@herald/auth`. */
export const commonResponses = {
  Unauthorized: problemResponse('`unauthorized`: no, malformed, unknown or expired credential.', { 'WWW-Authenticate': headerRef('WWW-Authenticate') }),
  UnsupportedMediaType: problemResponse('`unsupported_media_type`: the body is not `application/json`.'),
  Internal: problemResponse('`internal`: an unexpected failure (logged).'),
} satisfies Record<string, Response>;
export type CommonResponseName = keyof typeof commonResponses;

const unauthenticated: SecurityRequirement[] = [];

/** The routes createServiceApp serves beside a service's own, and that need no credential. */
function operationalPaths(readinessSummary: string): Record<string, PathItem> {
  return {
    '/healthz': {
      get: {
        operationId: 'getHealth',
        summary: 'Liveness',
        tags: ['operations'],
        security: unauthenticated,
        responses: {
          '200': jsonResponse('The process is up.', { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } }),
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'getReadiness',
        summary: readinessSummary,
        tags: ['operations'],
        security: unauthenticated,
        responses: {
          '200': jsonResponse('Ready for traffic.', {
            type: 'object',
            required: ['status', 'checks'],
            properties: { status: { const: 'ready' }, checks: { type: 'object', additionalProperties: { type: 'string' } } },
          }),
          '503': problemResponse('`not_ready`: a check failed, or the service is draining; `checks` says which.', { 'Retry-After': headerRef('Retry-After') }),
        },
      },
    },
    '/metrics': {
      get: {
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        tags: ['operations'],
        security: unauthenticated,
        responses: {
          '200': { description: 'The Prometheus text exposition format.', content: { 'text/plain': { schema: { type: 'string' } } } },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'getOpenApi',
        summary: 'This document',
        tags: ['operations'],
        security: unauthenticated,
        responses: {
          '200': jsonResponse('The OpenAPI 3.1 document of this API.', { type: 'object', required: ['openapi'], properties: { openapi: { type: 'string' } } }),
        },
      },
    },
  };
}

// --- The document ------------------------------------------------------------------------------

export interface ServiceOpenApiOptions<SchemaName extends string> {
  title: string;
  version: string;
  /** What the API is for; the document adds how requests authenticate and how errors look. */
  summary: string;
  servers: { url: string; description: string }[];
  /** The tags of the service's own operations (`operations` is added). */
  tags: Tag[];
  /** The service's own routes; `/healthz`, `/readyz`, `/metrics` and `/openapi.json` are added. */
  paths: Record<string, PathItem>;
  /** What `/readyz` checks, as its summary says it. */
  readinessSummary: string;
  /** Every component schema, `FieldError` and `Problem` among them (see fieldErrorSchema and problemSchema). */
  schemas: Record<SchemaName, JsonSchema>;
  /** Response components beside commonResponses. */
  responses: Record<string, Response>;
  parameters: Record<string, Parameter>;
  /** The `Location` header of a 201: which resource it names. */
  locationDescription: string;
}

/** A service's OpenAPI 3.1 document: its own routes and schemas in Herald's common frame. */
export function serviceOpenApi<SchemaName extends string>(options: ServiceOpenApiOptions<SchemaName>): OpenApiDocument<SchemaName> {
  return {
    openapi: '3.1.0',
    info: {
      title: options.title,
      version: options.version,
      description:
        `${options.summary} Every \`/v1\` request carries \`Authorization: Bearer <credential>\`: an API key \`hk_<keyId>_<secret>\` or a JWT. ` +
        'Errors are `application/problem+json` (RFC 9457) with a stable `code`.',
    },
    servers: options.servers,
    tags: [...options.tags, { name: 'operations', description: 'Health, readiness, metrics and this document; no credential needed.' }],
    security: [{ apiKey: [] }, { jwt: [] }],
    paths: { ...options.paths, ...operationalPaths(options.readinessSummary) },
    components: {
      schemas: options.schemas,
      responses: { ...commonResponses, ...options.responses },
      parameters: options.parameters,
      headers: {
        'WWW-Authenticate': { description: '`Bearer`', required: true, schema: { type: 'string' } },
        'Retry-After': { description: 'Seconds to wait before retrying.', required: true, schema: { type: 'integer', minimum: 0 } },
        Location: { description: options.locationDescription, required: true, schema: { type: 'string', format: 'uri-reference' } },
      },
      securitySchemes: {
        apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'hk_<keyId>_<secret>', description: 'A Herald API key: keyId `[a-z0-9-]{1,64}`, secret 43 characters of base64url.' },
        jwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT, verified against the configured JWKS URL or static keys.' },
      },
    },
  };
}
