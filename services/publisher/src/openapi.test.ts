import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ATTRIBUTE_NAMES } from '@herald/envelope';
import { apiDocJsonBlocks, testOpenApiDocument } from '@herald/runtime/testing';
import { eventTypeReadOnlyFields, provenanceAttributes, publisherOpenApi, publisherProblemCodes, schemaRef } from './openapi.js';
import { compileValidator, validatePublishRequest } from './validation.js';

const apiDoc = readFileSync(new URL('../../../docs/publisher-api.md', import.meta.url), 'utf8');

const jsonBlocks = apiDocJsonBlocks(apiDoc);

testOpenApiDocument({ document: publisherOpenApi, apiDoc, problemCodes: publisherProblemCodes, atLeast: { refs: 31, schemas: 41, examples: 6, documentedCodes: 15 } });

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
