import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { ATTRIBUTE_NAMES } from '@herald/envelope';
import { problemCodes, type ProblemCode } from '@herald/runtime';
import {
  componentSchemaNames,
  eventTypeReadOnlyFields,
  provenanceAttributes,
  publisherOpenApi,
  publisherProblemCodes,
  schemaRef,
  type JsonSchema,
  type MediaType,
  type Operation,
  type Parameter,
  type Reference,
  type Response,
} from './openapi.js';
import { compileValidator, validatePublishRequest } from './validation.js';

const apiDoc = readFileSync(new URL('../../../docs/publisher-api.md', import.meta.url), 'utf8');

const methods = ['get', 'put', 'post', 'delete'] as const;
const operations = Object.entries(publisherOpenApi.paths).flatMap(([path, item]) =>
  methods.flatMap((method) => {
    const operation = item[method];
    return operation ? [{ path, method, operation }] : [];
  }),
);

function resolvePointer(ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `${ref} is not a local ref`);
  let node: unknown = publisherOpenApi;
  for (const token of ref.slice(2).split('/')) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    assert.ok(typeof node === 'object' && node !== null && Object.hasOwn(node, key), `${ref} does not resolve`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

const deref = <T extends object>(value: T | Reference): T => ('$ref' in value ? (resolvePointer(value.$ref) as T) : value);

/** Every object in the document with its JSON pointer. */
function* objectsIn(node: unknown, pointer = '#'): Generator<[string, Record<string, unknown>]> {
  if (typeof node !== 'object' || node === null) return;
  if (!Array.isArray(node)) yield [pointer, node as Record<string, unknown>];
  for (const [key, value] of Object.entries(node)) yield* objectsIn(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
}

/** Every request and response media type, with where it is. */
function* mediaTypes(): Generator<[string, MediaType]> {
  for (const { path, method, operation } of operations) {
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) yield [`${method} ${path} request ${type}`, media];
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const [type, media] of Object.entries(deref<Response>(response).content ?? {})) yield [`${method} ${path} ${status} ${type}`, media];
    }
  }
}

const problemSchemaRef = schemaRef('Problem').$ref;

/** The error table of the API doc: code → status. */
const documentedCodes = new Map([...apiDoc.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map(([, status, code]) => [code as ProblemCode, Number(status)]));

const jsonBlocks = [...apiDoc.matchAll(/```json\n([\s\S]*?)```/g)].map(([, text]) => JSON.parse(text!) as unknown);

test('the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
  const validator = new Validator();
  // The validator gets what /openapi.json serves: the document through JSON.
  const result = await validator.validate(JSON.parse(JSON.stringify(publisherOpenApi)) as Record<string, unknown>);
  assert.deepEqual(result, { valid: true });
  assert.equal(validator.version, '3.1');
});

test('the document survives JSON unchanged, as /openapi.json serves it', () => {
  assert.deepEqual(JSON.parse(JSON.stringify(publisherOpenApi)), publisherOpenApi);
});

test('every $ref resolves', () => {
  const refs = [...objectsIn(publisherOpenApi)].flatMap(([, node]) => (typeof node.$ref === 'string' ? [node.$ref] : []));
  assert.ok(refs.length > 30, `only ${refs.length} refs found`);
  for (const ref of refs) assert.doesNotThrow(() => resolvePointer(ref), ref);
});

test('the routes are those of the API doc, plus the operational ones', () => {
  const documented = new Set([...apiDoc.matchAll(/`(GET|POST|PUT|DELETE) (\/v1\/[^`\s]+)`/g)].map(([, method, path]) => `${method} ${path}`));
  const described = new Set(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`));
  assert.deepEqual(
    [...described].filter((route) => route.includes(' /v1/')).sort(),
    [...documented].sort(),
  );
  for (const route of ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json']) assert.ok(described.has(route), route);
});

test('/v1 operations take an API key or a JWT as a bearer token; the operational ones take nothing', () => {
  assert.deepEqual(publisherOpenApi.security, [{ apiKey: [] }, { jwt: [] }]);
  for (const scheme of Object.values(publisherOpenApi.components.securitySchemes)) assert.deepEqual([scheme.type, scheme.scheme], ['http', 'bearer']);
  for (const { path, method, operation } of operations) {
    if (path.startsWith('/v1/')) {
      assert.equal(operation.security, undefined, `${method} ${path} must inherit the bearer requirement`);
      assert.ok(operation.responses['401'], `${method} ${path} documents 401`);
      assert.ok(deref(operation.responses['401']).headers?.['WWW-Authenticate'], `${method} ${path}: 401 carries WWW-Authenticate`);
    } else {
      assert.deepEqual(operation.security, [], `${method} ${path} needs no credential`);
    }
  }
});

test('every operation has a unique id, a success response, and documents its path parameters', () => {
  const ids = operations.map(({ operation }) => operation.operationId);
  assert.equal(new Set(ids).size, ids.length);
  for (const { path, method, operation } of operations) {
    assert.ok(Object.keys(operation.responses).some((status) => /^2\d\d$/.test(status)), `${method} ${path} has a 2xx response`);
    const declared = (publisherOpenApi.paths[path]?.parameters ?? []).map((parameter) => deref<Parameter>(parameter));
    for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
      assert.ok(
        declared.some((parameter) => parameter.name === name && parameter.in === 'path' && parameter.required),
        `${path} declares {${name}}`,
      );
    }
  }
});

test('error responses are problem+json, and JSON bodies have schemas', () => {
  for (const { path, method, operation } of operations) {
    for (const [status, response] of Object.entries(operation.responses)) {
      const { content } = deref<Response>(response);
      if (Number(status) >= 400) assert.deepEqual(Object.keys(content ?? {}), ['application/problem+json'], `${method} ${path} ${status}`);
      if (Number(status) >= 400) assert.equal(content?.['application/problem+json']?.schema.$ref, problemSchemaRef);
      if (status === '204') assert.equal(content, undefined);
    }
    if (operation.requestBody) assert.ok(operation.requestBody.content['application/json']?.schema, `${method} ${path} body schema`);
  }
});

test('the Problem codes are the API doc table’s, plus the ones the service also answers, each with its runtime status', () => {
  assert.ok(documentedCodes.size >= 15, 'the error table was found');
  for (const [code, status] of documentedCodes) {
    assert.ok(publisherProblemCodes.includes(code), `${code} is in the Problem enum`);
    assert.equal(problemCodes[code], status, `@herald/runtime answers ${code} with ${status}, as the doc says`);
  }
  // Codes outside the table must at least be real codes of the shared vocabulary.
  for (const code of publisherProblemCodes) assert.ok(Object.hasOwn(problemCodes, code), code);
  assert.deepEqual(publisherOpenApi.components.schemas.Problem.properties?.code?.enum, publisherProblemCodes);
});

test('every problem code is documented on a response of the status it maps to', () => {
  const described = operations.flatMap(({ operation }: { operation: Operation }) =>
    Object.entries(operation.responses).map(([status, response]) => ({ status: Number(status), description: deref<Response>(response).description })),
  );
  for (const code of publisherProblemCodes) {
    assert.ok(
      described.some(({ status, description }) => status === problemCodes[code] && description.includes(`\`${code}\``)),
      `a ${problemCodes[code]} response mentions \`${code}\``,
    );
  }
});

test('every schema in the document compiles with Ajv in strict mode', () => {
  for (const name of componentSchemaNames) assert.doesNotThrow(() => compileValidator(schemaRef(name)), name);
  const inline = [...mediaTypes()].map(([where, media]) => [where, media.schema] as const);
  for (const parameter of Object.values(publisherOpenApi.components.parameters)) inline.push([`parameter ${parameter.name}`, parameter.schema]);
  for (const [name, header] of Object.entries(publisherOpenApi.components.headers)) inline.push([`header ${name}`, header.schema]);
  assert.ok(inline.length > 40, `${inline.length} schemas found`);
  for (const [where, schema] of inline) assert.doesNotThrow(() => compileValidator(schema), where);
});

test('every example in the document validates against its schema', () => {
  const examples: [string, JsonSchema, unknown][] = [];
  for (const name of componentSchemaNames) {
    for (const example of publisherOpenApi.components.schemas[name].examples ?? []) examples.push([name, schemaRef(name), example]);
  }
  for (const [where, media] of mediaTypes()) {
    for (const [name, example] of Object.entries(media.examples ?? {})) examples.push([`${where} ${name}`, media.schema, example.value]);
  }
  assert.ok(examples.length >= 6, `${examples.length} examples found`);
  for (const [where, schema, example] of examples) assert.deepEqual(compileValidator(schema)(example), { ok: true, value: example }, where);
});

test('the API doc’s event type resource is an EventType, can be sent back with PUT, and its declared fields POSTed', () => {
  const [resource] = jsonBlocks as [Record<string, unknown>];
  assert.equal(resource.name, 'com.acme.rides.ride.requested');
  assert.deepEqual(compileValidator(schemaRef('EventType'))(resource), { ok: true, value: resource });
  assert.deepEqual(compileValidator(schemaRef('EventTypeUpdate'))(resource), { ok: true, value: resource });
  const declared = Object.fromEntries(Object.entries(resource).filter(([field]) => !(eventTypeReadOnlyFields as readonly string[]).includes(field)));
  assert.deepEqual(compileValidator(schemaRef('EventTypeCreate'))(declared), { ok: true, value: declared });
  // Sending the read-only fields to POST is a mistake: unknown fields are invalid_request there.
  const created = compileValidator(schemaRef('EventTypeCreate'))(resource);
  assert.equal(created.ok, false);
  assert.ok(!created.ok && created.errors.some((error) => error.path === '/topicName' && error.message === "unknown property 'topicName'"));
  assert.deepEqual(compileValidator(schemaRef('EventTypeList'))({ items: [resource] }), { ok: true, value: { items: [resource] } });
});

test('the API doc’s fields table is EventTypeCreate’s properties', () => {
  const table = apiDoc.slice(apiDoc.indexOf('Fields a client sends'), apiDoc.indexOf('Unknown fields are'));
  const documented = [...table.matchAll(/^\| (`[^|]+) \|/gm)].flatMap(([, cell]) => [...cell!.matchAll(/`([^`]+)`/g)].map(([, field]) => field!));
  const create = publisherOpenApi.components.schemas.EventTypeCreate;
  const described = Object.entries(create.properties ?? {}).flatMap(([field, schema]) =>
    schema.properties ? Object.keys(schema.properties).map((inner) => `${field}.${inner}`) : [field],
  );
  assert.deepEqual(described.sort(), documented.sort());
});

test('the API doc’s publish example validates, alone and in a batch, and so does its answer', () => {
  const [, event, result] = jsonBlocks;
  assert.deepEqual(validatePublishRequest(event), { ok: true, value: event });
  assert.deepEqual(validatePublishRequest([event, event]), { ok: true, value: [event, event] });
  assert.deepEqual(compileValidator(schemaRef('PublishResult'))(result), { ok: true, value: result });
});

test('the API doc’s problem examples are Problems', () => {
  const validateProblem = compileValidator(schemaRef('Problem'));
  const rows = [...apiDoc.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|.*`errors: (\[.*?\])`/gm)];
  assert.equal(rows.length, 2, 'invalid_request and invalid_event show their errors');
  for (const [, status, code, errors] of rows) {
    const problem = { type: `https://herald.dev/problems/${code!.replaceAll('_', '-')}`, title: 'Invalid', status: Number(status), code, errors: JSON.parse(errors!) as unknown };
    assert.deepEqual(validateProblem(problem), { ok: true, value: problem }, code);
  }
  const tooLarge = { type: 'https://herald.dev/problems/payload-too-large', title: 'Payload too large', status: 413, code: 'payload_too_large', instance: '/v1/events/a.b.c', limit: 500, limitName: 'batchEvents' };
  assert.deepEqual(validateProblem(tooLarge), { ok: true, value: tooLarge });
  const unknownCode = { ...tooLarge, code: 'too_big' };
  assert.equal(validateProblem(unknownCode).ok, false);
});

test('the attributes a publish body may set or must not set are all Herald envelope attributes', () => {
  const attributes = new Set<string>(ATTRIBUTE_NAMES);
  for (const name of provenanceAttributes) assert.ok(attributes.has(name), name);
  const settable = Object.keys(publisherOpenApi.components.schemas.PublishEvent.properties ?? {}).filter((name) => name !== 'data');
  // The body says partitionKey; CloudEvents attribute names are lowercase.
  for (const name of settable) assert.ok(attributes.has(name.toLowerCase()), name);
  for (const name of settable) assert.ok(!(provenanceAttributes as readonly string[]).includes(name), name);
});
