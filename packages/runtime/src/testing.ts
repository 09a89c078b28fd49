// The checks every service's OpenAPI document must pass, as node:test tests: valid OpenAPI 3.1,
// served unchanged through JSON, its refs resolve, its routes and error codes are those of the
// service's API doc, errors are problem+json, and every schema compiles and every example
// validates as the service's own request validation would. For test files only
// (`@herald/runtime/testing`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import type { JsonSchema, MediaType, OpenApiDocument, Operation, Parameter, Reference, Response } from './openapi.js';
import { PROBLEM_CONTENT_TYPE, problemCodes, type ProblemCode } from './problem.js';
import { createSchemaValidators } from './request-validation.js';

const methods = ['get', 'put', 'post', 'delete'] as const;

export interface DocumentOperation {
  path: string;
  method: (typeof methods)[number];
  operation: Operation;
}

export function operationsOf(document: OpenApiDocument): DocumentOperation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    methods.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ path, method, operation }] : [];
    }),
  );
}

/** What a local `$ref` (`#/components/…`) points at; fails the test when it points nowhere. */
export function resolvePointer(document: OpenApiDocument, ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `${ref} is not a local ref`);
  let node: unknown = document;
  for (const token of ref.slice(2).split('/')) {
    const key = token.replaceAll('~1', '/').replaceAll('~0', '~');
    assert.ok(typeof node === 'object' && node !== null && Object.hasOwn(node, key), `${ref} does not resolve`);
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function deref<T extends object>(document: OpenApiDocument, value: T | Reference): T {
  return '$ref' in value ? (resolvePointer(document, value.$ref) as T) : value;
}

/** Every object in the document with its JSON pointer. */
function* objectsIn(node: unknown, pointer = '#'): Generator<[string, Record<string, unknown>]> {
  if (typeof node !== 'object' || node === null) return;
  if (!Array.isArray(node)) yield [pointer, node as Record<string, unknown>];
  for (const [key, value] of Object.entries(node)) yield* objectsIn(value, `${pointer}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
}

/** Every request and response media type, with where it is. */
function* mediaTypes(document: OpenApiDocument): Generator<[string, MediaType]> {
  for (const { path, method, operation } of operationsOf(document)) {
    for (const [type, media] of Object.entries(operation.requestBody?.content ?? {})) yield [`${method} ${path} request ${type}`, media];
    for (const [status, response] of Object.entries(operation.responses)) {
      for (const [type, media] of Object.entries(deref<Response>(document, response).content ?? {})) yield [`${method} ${path} ${status} ${type}`, media];
    }
  }
}

/** Every example in the document: where it is, the schema it must match, and the example. */
export function examplesOf(document: OpenApiDocument): [string, JsonSchema, unknown][] {
  const examples: [string, JsonSchema, unknown][] = [];
  for (const [name, schema] of Object.entries<JsonSchema>(document.components.schemas)) {
    for (const example of schema.examples ?? []) examples.push([name, { $ref: `#/components/schemas/${name}` }, example]);
  }
  for (const [where, media] of mediaTypes(document)) {
    for (const [name, example] of Object.entries(media.examples ?? {})) examples.push([`${where} ${name}`, media.schema, example.value]);
  }
  return examples;
}

/** The error table of an API doc (rows `| 400 | \`code\` | …`): code → status. */
export function apiDocProblemCodes(apiDoc: string): Map<ProblemCode, number> {
  return new Map([...apiDoc.matchAll(/^\| (\d{3}) \| `([a-z_]+)` \|/gm)].map(([, status, code]) => [code as ProblemCode, Number(status)]));
}

/** The ```json blocks of an API doc, parsed, in order: its examples of bodies and answers. */
export function apiDocJsonBlocks(apiDoc: string): unknown[] {
  return [...apiDoc.matchAll(/```json\n([\s\S]*?)```/g)].map(([, text]) => JSON.parse(text ?? '') as unknown);
}

export interface OpenApiDocumentChecks {
  document: OpenApiDocument;
  /** The service's API doc (Markdown): its `METHOD /v1/…` routes and its error table. */
  apiDoc: string;
  /** Every `code` a problem of the service can carry: the document's Problem enum. */
  problemCodes: readonly ProblemCode[];
  /** How much the document holds at the least: a guard against checks that find nothing to check. */
  atLeast: { refs: number; schemas: number; examples: number; documentedCodes: number };
}

/** Registers the checks every service's document must pass as tests of the calling file. */
export function testOpenApiDocument({ document, apiDoc, problemCodes: codes, atLeast }: OpenApiDocumentChecks): void {
  const operations = operationsOf(document);
  // As the service's own request validation compiles them: same Ajv settings, same components.
  const { compileValidator } = createSchemaValidators(document.components.schemas);

  test('the document is valid OpenAPI 3.1 (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    // The validator gets what /openapi.json serves: the document through JSON.
    const result = await validator.validate(JSON.parse(JSON.stringify(document)) as Record<string, unknown>);
    assert.deepEqual(result, { valid: true });
    assert.equal(validator.version, '3.1');
  });

  test('the document survives JSON unchanged, as /openapi.json serves it', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(document)), document);
  });

  test('every $ref resolves', () => {
    const refs = [...objectsIn(document)].flatMap(([, node]) => (typeof node.$ref === 'string' ? [node.$ref] : []));
    assert.ok(refs.length >= atLeast.refs, `only ${refs.length} refs found`);
    for (const ref of refs) assert.doesNotThrow(() => resolvePointer(document, ref), ref);
  });

  test('the routes are those of the API doc, plus the operational ones', () => {
    const documented = new Set([...apiDoc.matchAll(/`(GET|POST|PUT|DELETE) (\/v1\/[^`\s]+)`/g)].map(([, method, path]) => `${method} ${path}`));
    const described = new Set(operations.map(({ method, path }) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual([...described].filter((route) => route.includes(' /v1/')).sort(), [...documented].sort());
    for (const route of ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json']) assert.ok(described.has(route), route);
  });

  test('/v1 operations take an API key or a JWT as a bearer token; the operational ones take nothing', () => {
    assert.deepEqual(document.security, [{ apiKey: [] }, { jwt: [] }]);
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['apiKey', 'jwt']);
    for (const scheme of Object.values(document.components.securitySchemes)) assert.deepEqual([scheme.type, scheme.scheme], ['http', 'bearer']);
    for (const { path, method, operation } of operations) {
      if (path.startsWith('/v1/')) {
        assert.equal(operation.security, undefined, `${method} ${path} must inherit the bearer requirement`);
        assert.ok(operation.responses['401'], `${method} ${path} documents 401`);
        assert.ok(deref(document, operation.responses['401']).headers?.['WWW-Authenticate'], `${method} ${path}: 401 carries WWW-Authenticate`);
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
      const declared = (document.paths[path]?.parameters ?? []).map((parameter) => deref<Parameter>(document, parameter));
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
        const { content } = deref<Response>(document, response);
        if (Number(status) >= 400) assert.deepEqual(Object.keys(content ?? {}), [PROBLEM_CONTENT_TYPE], `${method} ${path} ${status}`);
        if (Number(status) >= 400) assert.equal(content?.[PROBLEM_CONTENT_TYPE]?.schema.$ref, '#/components/schemas/Problem');
        if (status === '204') assert.equal(content, undefined);
      }
      if (operation.requestBody) assert.ok(operation.requestBody.content['application/json']?.schema, `${method} ${path} body schema`);
    }
  });

  test('the Problem codes are the API doc table’s, plus any other the service answers, each with its runtime status', () => {
    const documentedCodes = apiDocProblemCodes(apiDoc);
    assert.ok(documentedCodes.size >= atLeast.documentedCodes, 'the error table was found');
    for (const [code, status] of documentedCodes) {
      assert.ok(codes.includes(code), `${code} is in the Problem enum`);
      assert.equal(problemCodes[code], status, `@herald/runtime answers ${code} with ${status}, as the doc says`);
    }
    // Codes outside the table must at least be real codes of the shared vocabulary.
    for (const code of codes) assert.ok(Object.hasOwn(problemCodes, code), code);
    assert.deepEqual(document.components.schemas.Problem?.properties?.code?.enum, codes);
  });

  test('every problem code is documented on a response of the status it maps to', () => {
    const described = operations.flatMap(({ operation }) =>
      Object.entries(operation.responses).map(([status, response]) => ({ status: Number(status), description: deref<Response>(document, response).description })),
    );
    for (const code of codes) {
      assert.ok(
        described.some(({ status, description }) => status === problemCodes[code] && description.includes(`\`${code}\``)),
        `a ${problemCodes[code]} response mentions \`${code}\``,
      );
    }
  });

  test('every schema in the document compiles with Ajv in strict mode', () => {
    for (const name of Object.keys(document.components.schemas)) assert.doesNotThrow(() => compileValidator({ $ref: `#/components/schemas/${name}` }), name);
    const inline = [...mediaTypes(document)].map(([where, media]) => [where, media.schema] as const);
    for (const parameter of Object.values(document.components.parameters)) inline.push([`parameter ${parameter.name}`, parameter.schema]);
    for (const [name, header] of Object.entries(document.components.headers)) inline.push([`header ${name}`, header.schema]);
    assert.ok(inline.length >= atLeast.schemas, `${inline.length} schemas found`);
    for (const [where, schema] of inline) assert.doesNotThrow(() => compileValidator(schema), where);
  });

  test('every example in the document validates against its schema', () => {
    const examples = examplesOf(document);
    assert.ok(examples.length >= atLeast.examples, `${examples.length} examples found`);
    for (const [where, schema, example] of examples) assert.deepEqual(compileValidator(schema)(example), { ok: true, value: example }, where);
  });
}
