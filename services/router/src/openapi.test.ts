import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY, SUBSCRIPTION_NAME } from '@herald/catalog';
import { check } from '@herald/patterns';
import type { JsonSchema } from '@herald/runtime';
import { apiDocJsonBlocks, apiDocProblemCodes, examplesOf, testOpenApiDocument } from '@herald/runtime/testing';
import { routerOpenApi, routerProblemCodes, schemaRef, subscriptionReadOnlyFields } from './openapi.js';
import { compileValidator, validatePatternTest } from './validation.js';

const apiDoc = readFileSync(new URL('../../../docs/router-api.md', import.meta.url), 'utf8');

const jsonBlocks = apiDocJsonBlocks(apiDoc);

testOpenApiDocument({ document: routerOpenApi, apiDoc, problemCodes: routerProblemCodes, atLeast: { refs: 31, schemas: 41, examples: 8, documentedCodes: 15 } });

test('the Problem codes are exactly the API doc table’s', () => {
  assert.deepEqual([...apiDocProblemCodes(apiDoc).keys()].sort(), [...routerProblemCodes].sort());
});

test('the patterns in the document’s examples are valid', () => {
  for (const [where, , example] of examplesOf(routerOpenApi)) {
    const pattern = (example as { pattern?: unknown }).pattern;
    if (pattern !== undefined) assert.equal(check(pattern), undefined, `${where}: its pattern`);
  }
  for (const example of routerOpenApi.components.schemas.Pattern.examples ?? []) assert.equal(check(example), undefined, 'the Pattern example');
});

test('the subscription name pattern is the catalog’s', () => {
  assert.equal(routerOpenApi.components.schemas.SubscriptionName.pattern, SUBSCRIPTION_NAME.source);
});

test('the retry defaults in the document are the catalog’s', () => {
  const retry = routerOpenApi.components.schemas.SubscriptionCreate.properties?.failure?.properties?.retry?.properties ?? {};
  assert.deepEqual(Object.fromEntries(Object.entries(retry).map(([name, schema]) => [name, schema.default])), { ...DEFAULT_RETRY_POLICY });
});

test('the API doc’s subscription resource is a Subscription, can be sent back with PUT, and its declared fields POSTed', () => {
  const [resource] = jsonBlocks as [Record<string, unknown>];
  assert.equal(resource.name, 'billing.completed-rides');
  assert.deepEqual(compileValidator(schemaRef('Subscription'))(resource), { ok: true, value: resource });
  assert.deepEqual(compileValidator(schemaRef('SubscriptionUpdate'))(resource), { ok: true, value: resource });
  assert.equal(check(resource.pattern), undefined);
  const declared = Object.fromEntries(Object.entries(resource).filter(([field]) => !(subscriptionReadOnlyFields as readonly string[]).includes(field)));
  assert.deepEqual(compileValidator(schemaRef('SubscriptionCreate'))(declared), { ok: true, value: declared });
  // Sending the read-only fields to POST is a mistake: unknown fields are invalid_request there.
  const created = compileValidator(schemaRef('SubscriptionCreate'))(resource);
  assert.ok(!created.ok && created.errors.some((error) => error.path === '/revision' && error.message === "unknown property 'revision'"));
  assert.deepEqual(compileValidator(schemaRef('SubscriptionList'))({ items: [resource] }), { ok: true, value: { items: [resource] } });
});

test('the API doc’s fields table is SubscriptionCreate’s properties', () => {
  const table = apiDoc.slice(apiDoc.indexOf('Fields a client sends'), apiDoc.indexOf('Unknown fields are'));
  const documented = [...table.matchAll(/^\| (`[^|]+) \|/gm)].flatMap(([, cell]) => [...cell!.matchAll(/`([^`]+)`/g)].map(([, field]) => field!));
  const fieldsOf = (prefix: string, schema: JsonSchema): string[] =>
    Object.entries(schema.properties ?? {}).flatMap(([field, inner]) => (inner.properties ? fieldsOf(`${prefix}${field}.`, inner) : [`${prefix}${field}`]));
  assert.deepEqual(fieldsOf('', routerOpenApi.components.schemas.SubscriptionCreate).sort(), documented.sort());
});

test('the API doc’s pattern, pattern test and its answer are valid', () => {
  const [, pattern, request, result] = jsonBlocks;
  assert.equal(check(pattern), undefined);
  assert.deepEqual(validatePatternTest(request), { ok: true, value: request });
  assert.deepEqual(compileValidator(schemaRef('PatternTestResult'))(result), { ok: true, value: result });
});

test('the API doc’s problem examples are Problems', () => {
  const validateProblem = compileValidator(schemaRef('Problem'));
  const invalidRequest = { type: 'https://herald.dev/problems/invalid-request', title: 'Invalid subscription', status: 400, code: 'invalid_request', errors: [{ path: '/failure/retry/jitter', message: 'must be <= 1' }] };
  assert.deepEqual(validateProblem(invalidRequest), { ok: true, value: invalidRequest });
  const invalidPattern = { type: 'https://herald.dev/problems/invalid-pattern', title: 'Invalid event pattern', status: 400, code: 'invalid_pattern', path: 'data.fareCents[0].numeric', reason: 'x' };
  assert.deepEqual(validateProblem(invalidPattern), { ok: true, value: invalidPattern });
  assert.equal(validateProblem({ ...invalidPattern, code: 'bad_pattern' }).ok, false);
});
