import assert from 'node:assert/strict';
import { test } from 'node:test';
import { componentRef, fieldErrorSchema, headerRef, jsonRequestBody, jsonResponse, objectSchema, problemResponse, problemSchema, serviceOpenApi, type CommonResponseName, type JsonSchema, type Reference } from './openapi.js';
import type { ProblemCode } from './problem.js';
import { testOpenApiDocument } from './testing.js';

// A small service, its document and its API doc: what the shared frame adds, and the shared
// checks run on a document built with it.

interface Note {
  name: string;
  text: string;
  pinned?: boolean;
}

type SchemaName = 'NoteName' | 'Note' | 'NoteList' | 'FieldError' | 'Problem';
const schemaRef = (name: SchemaName): JsonSchema => componentRef('schemas', name);
const responses = { NotFound: problemResponse('`not_found`: no such note.') };
const responseRef = (name: CommonResponseName | keyof typeof responses): Reference => componentRef('responses', name);
const codes = ['malformed_json', 'invalid_request', 'unauthorized', 'not_found', 'payload_too_large', 'unsupported_media_type', 'internal', 'not_ready'] as const satisfies readonly ProblemCode[];
const note = { name: 'groceries', text: 'Milk.' } satisfies Note;

const notesOpenApi = serviceOpenApi<SchemaName>({
  title: 'Herald Notes API',
  version: '1.0.0',
  summary: 'Keep notes.',
  servers: [{ url: 'http://localhost:8099', description: 'local' }],
  tags: [{ name: 'notes', description: 'Notes.' }],
  readinessSummary: 'Readiness: the notebook answers',
  paths: {
    '/v1/notes': {
      get: {
        operationId: 'listNotes',
        summary: 'List notes',
        tags: ['notes'],
        responses: { '200': jsonResponse('Sorted by name.', schemaRef('NoteList')), '401': responseRef('Unauthorized'), '500': responseRef('Internal') },
      },
      post: {
        operationId: 'createNote',
        summary: 'Create a note',
        tags: ['notes'],
        requestBody: jsonRequestBody('The new note.', schemaRef('Note'), { groceries: { value: note } }),
        responses: {
          '201': jsonResponse('Created.', schemaRef('Note'), { Location: headerRef('Location') }),
          '400': problemResponse('`malformed_json`, or `invalid_request`: the body does not match `Note` (see `errors`).'),
          '401': responseRef('Unauthorized'),
          '413': problemResponse('`payload_too_large`: the body is over `limit` bytes.'),
          '415': responseRef('UnsupportedMediaType'),
          '500': responseRef('Internal'),
        },
      },
    },
    '/v1/notes/{name}': {
      parameters: [{ $ref: '#/components/parameters/NoteName' }],
      get: {
        operationId: 'getNote',
        summary: 'Get a note',
        tags: ['notes'],
        responses: { '200': jsonResponse('The note.', schemaRef('Note')), '401': responseRef('Unauthorized'), '404': responseRef('NotFound'), '500': responseRef('Internal') },
      },
    },
  },
  schemas: {
    NoteName: { type: 'string', pattern: '^[a-z]{1,20}$' },
    Note: objectSchema<Note>({
      additionalProperties: false,
      properties: { name: schemaRef('NoteName'), text: { type: 'string', maxLength: 1000 }, pinned: { type: 'boolean', default: false } },
      required: ['name', 'text'],
      examples: [note],
    }),
    NoteList: { type: 'object', required: ['items'], properties: { items: { type: 'array', items: schemaRef('Note') } } },
    FieldError: fieldErrorSchema(),
    Problem: problemSchema({ codes, errorsFor: ['invalid_request'], members: { pinned: { type: 'boolean' } }, limitNames: ['noteBytes'] }),
  },
  responses,
  parameters: { NoteName: { name: 'name', in: 'path', required: true, description: 'The note.', schema: schemaRef('NoteName') } },
  locationDescription: 'The new resource, `/v1/notes/<name>`.',
});

const apiDoc = `
# Notes API

\`GET /v1/notes\`, \`POST /v1/notes\` and \`GET /v1/notes/{name}\`.

| Status | Code | When |
| --- | --- | --- |
| 400 | \`malformed_json\` | not JSON |
| 400 | \`invalid_request\` | not a note |
| 401 | \`unauthorized\` | no credential |
| 404 | \`not_found\` | no such note |
| 415 | \`unsupported_media_type\` | not JSON |
| 500 | \`internal\` | a bug |
`;

testOpenApiDocument({ document: notesOpenApi, apiDoc, problemCodes: codes, atLeast: { refs: 10, schemas: 10, examples: 2, documentedCodes: 6 } });

test('the frame adds the operational routes, unauthenticated, under an `operations` tag', () => {
  assert.deepEqual(Object.keys(notesOpenApi.paths), ['/v1/notes', '/v1/notes/{name}', '/healthz', '/readyz', '/metrics', '/openapi.json']);
  assert.deepEqual(
    notesOpenApi.tags.map(({ name }) => name),
    ['notes', 'operations'],
  );
  assert.equal(notesOpenApi.paths['/readyz']?.get?.summary, 'Readiness: the notebook answers');
  assert.deepEqual(notesOpenApi.paths['/metrics']?.get?.security, []);
});

test('the frame adds bearer security, the shared responses and headers, and says so in the description', () => {
  assert.deepEqual(notesOpenApi.security, [{ apiKey: [] }, { jwt: [] }]);
  assert.deepEqual(Object.keys(notesOpenApi.components.responses).sort(), ['Internal', 'NotFound', 'Unauthorized', 'UnsupportedMediaType']);
  assert.deepEqual(Object.keys(notesOpenApi.components.headers), ['WWW-Authenticate', 'Retry-After', 'Location']);
  assert.equal(notesOpenApi.components.headers.Location?.description, 'The new resource, `/v1/notes/<name>`.');
  assert.equal(
    notesOpenApi.info.description,
    'Keep notes. Every `/v1` request carries `Authorization: Bearer <credential>`: an API key `hk_<keyId>_<secret>` or a JWT. Errors are `application/problem+json` (RFC 9457) with a stable `code`.',
  );
});

test('the Problem schema has the frame’s members around the service’s own', () => {
  const problem = notesOpenApi.components.schemas.Problem;
  assert.deepEqual(Object.keys(problem.properties ?? {}), ['type', 'title', 'status', 'code', 'detail', 'instance', 'errors', 'pinned', 'limit', 'limitName', 'checks']);
  assert.deepEqual(problem.properties?.limitName?.enum, ['bodyBytes', 'noteBytes']);
  assert.equal(problem.properties?.errors?.description, '`invalid_request`: every problem found.');
  assert.equal(problemSchema({ codes, errorsFor: ['invalid_request', 'invalid_event'] }).properties?.errors?.description, '`invalid_request`, `invalid_event`: every problem found.');
});

test('a FieldError may carry members of the service’s own, before its path', () => {
  const schema = fieldErrorSchema({ pathDescription: 'Into the event.', properties: { index: { type: 'integer' } } });
  assert.deepEqual(Object.keys(schema.properties ?? {}), ['index', 'path', 'message']);
  assert.equal(schema.properties?.path?.description, 'Into the event.');
});
