import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonSchema } from './openapi.js';
import { createSchemaValidators, dedupeValidationErrors, toValidationErrors, type ValidationError } from './request-validation.js';

const componentSchemas: Record<string, JsonSchema> = {
  Size: { enum: ['S', 'M', 'L'] },
  Order: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'sizes'],
    properties: {
      id: { type: 'string', minLength: 1, maxLength: 3 },
      sizes: { type: 'array', items: { $ref: '#/components/schemas/Size' }, minItems: 1, maxItems: 2, uniqueItems: true },
      note: { type: ['string', 'null'], minLength: 2 },
      kind: { const: 'order' },
      at: { type: 'string', format: 'date-time' },
    },
  },
};
const { compile, compileValidator } = createSchemaValidators(componentSchemas);
const validateOrder = compileValidator<{ id: string; sizes: string[] }>({ $ref: '#/components/schemas/Order' });
const invalid = (...errors: ValidationError[]) => ({ ok: false, errors });

test('refs into the components resolve as they do in the document, and a valid body comes back as it is', () => {
  const order = { id: 'o1', sizes: ['S', 'L'], note: null, kind: 'order', at: '2026-11-26T10:00:00Z' };
  assert.deepEqual(validateOrder(order), { ok: true, value: order });
});

const cases: [string, unknown, ValidationError[]][] = [
  ['a missing property is named at its own path', { sizes: ['S'] }, [{ path: '/id', message: "must have required property 'id'" }]],
  ['an unknown property is named at its own path', { id: 'o1', sizes: ['S'], colour: 'red' }, [{ path: '/colour', message: "unknown property 'colour'" }]],
  ['"/" and "~" in a property name are escaped in its JSON pointer', { id: 'o1', sizes: ['S'], 'a/b~c': 1 }, [{ path: '/a~1b~0c', message: "unknown property 'a/b~c'" }]],
  ['a union type names each type', { id: 'o1', sizes: ['S'], note: 3 }, [{ path: '/note', message: 'must be string or null' }]],
  ['an enum lists its values', { id: 'o1', sizes: ['XL'] }, [{ path: '/sizes/0', message: 'must be one of "S", "M", "L"' }]],
  ['a const names its value', { id: 'o1', sizes: ['S'], kind: 'refund' }, [{ path: '/kind', message: 'must be "order"' }]],
  ['too few items', { id: 'o1', sizes: [] }, [{ path: '/sizes', message: 'must have at least 1 item' }]],
  ['too many items', { id: 'o1', sizes: ['S', 'M', 'L'] }, [{ path: '/sizes', message: 'must have at most 2 items' }]],
  ['a repeated item', { id: 'o1', sizes: ['M', 'M'] }, [{ path: '/sizes', message: 'must not repeat an item (items 0 and 1 are the same)' }]],
  ['an empty string', { id: '', sizes: ['S'] }, [{ path: '/id', message: 'must not be empty' }]],
  ['too short a string', { id: 'o1', sizes: ['S'], note: 'x' }, [{ path: '/note', message: 'must be at least 2 characters long' }]],
  ['too long a string', { id: 'o1234', sizes: ['S'] }, [{ path: '/id', message: 'must be at most 3 characters long' }]],
  ['other keywords keep Ajv’s message', { id: 'o1', sizes: ['S'], at: 'now' }, [{ path: '/at', message: 'must match format "date-time"' }]],
  [
    'every problem at once, in Ajv’s order',
    { id: 7, sizes: 'S', extra: true },
    [
      { path: '/extra', message: "unknown property 'extra'" },
      { path: '/id', message: 'must be string' },
      { path: '/sizes', message: 'must be array' },
    ],
  ],
];

for (const [name, body, errors] of cases) {
  test(`errors: ${name}`, () => {
    assert.deepEqual(validateOrder(body), invalid(...errors));
  });
}

test('alternatives that fail alike give one message, and repeats are dropped', () => {
  const validate = compileValidator<{ size?: string }>({
    type: 'object',
    properties: { size: { anyOf: [{ type: 'string', minLength: 2 }, { type: 'string', maxLength: 5 }] } },
  });
  assert.deepEqual(validate({ size: 3 }), invalid({ path: '/size', message: 'must be string' }));
  assert.deepEqual(validate({ size: 'L' }), { ok: true, value: { size: 'L' } });
});

test('alternatives that fail differently are named together', () => {
  const validate = compileValidator({ type: 'integer', anyOf: [{ const: -1 }, { minimum: 3_600_000 }] });
  assert.deepEqual(validate(5), invalid({ path: '', message: 'must be -1 or must be >= 3600000' }));
});

test('Ajv’s own validator is there for callers that read its errors, and they render alike', () => {
  const validate = compile<{ id: string }>({ $ref: '#/components/schemas/Order' });
  assert.equal(validate({ id: 'o1', sizes: ['S'] }), true);
  assert.equal(validate({ sizes: ['S'] }), false);
  assert.deepEqual(toValidationErrors(validate.errors ?? []), [{ path: '/id', message: "must have required property 'id'" }]);
});

test('a keyword Ajv does not know is a mistake in the document: it fails when compiled', () => {
  assert.throws(() => compileValidator({ type: 'string', minimun: 1 } as JsonSchema));
});

test('repeats of a message at a path are dropped, in order', () => {
  const a = { path: '/a', message: 'x' };
  const b = { path: '/b', message: 'x' };
  assert.deepEqual(dedupeValidationErrors([a, b, { ...a }, b]), [a, b]);
});
