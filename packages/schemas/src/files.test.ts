import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { SchemaFileError, loadSchemaFiles } from './files.js';
import { WireFormatError, schemaIdOf } from './codec.js';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'herald-schemas-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

test("the repository's schemas load, each with its full name", () => {
  const files = loadSchemaFiles();
  const names = files.map((f) => f.fullName);
  assert.ok(names.includes('com.acme.rides.Ride'), names.join(', '));
  assert.ok(names.includes('com.acme.payments.PaymentSettled'), names.join(', '));
  for (const f of files) assert.deepEqual(JSON.parse(f.text), f.schema);
});

test('schemas are found in nested folders, in a stable order', () => {
  const record = (name: string) => JSON.stringify({ type: 'record', name, namespace: 'x', fields: [] });
  const dir = dirWith({ 'b/two.avsc': record('Two'), 'a/deep/one.avsc': record('One'), 'notes.txt': 'ignored' });
  assert.deepEqual(
    loadSchemaFiles(dir).map((f) => [f.file, f.fullName]),
    [
      ['a/deep/one.avsc', 'x.One'],
      ['b/two.avsc', 'x.Two'],
    ],
  );
});

test('a broken schema file is named in the error', () => {
  assert.throws(() => loadSchemaFiles(dirWith({ 'bad.avsc': '{"type": "record",' })), (err: unknown) => err instanceof SchemaFileError && /^bad\.avsc: not valid JSON/.test(err.message));
  assert.throws(
    () => loadSchemaFiles(dirWith({ 'bad.avsc': '{"type":"record","name":"R","fields":[{"name":"a","type":"nope"}]}' })),
    /^SchemaFileError: bad\.avsc: not a valid Avro schema/,
  );
  assert.throws(() => loadSchemaFiles(dirWith({ 'p.avsc': '"string"' })), /p\.avsc: the top-level type must be a named/);
  const record = JSON.stringify({ type: 'record', name: 'Same', fields: [] });
  assert.throws(() => loadSchemaFiles(dirWith({ 'a.avsc': record, 'b.avsc': record })), /b\.avsc: Same is already defined in a\.avsc/);
});

test('schemaIdOf reads the Confluent wire-format header and rejects anything else', () => {
  const value = Buffer.from([0, 0, 0, 1, 2, 42]);
  assert.equal(schemaIdOf(value), 258);
  assert.throws(() => schemaIdOf(Buffer.from([1, 0, 0, 0, 1, 0])), WireFormatError);
  assert.throws(() => schemaIdOf(Buffer.from([0, 0, 0])), WireFormatError);
});

test('the example event types load with their schemas inlined', async () => {
  const { loadEventTypeDeclarations } = await import('./event-types.js');
  const types = loadEventTypeDeclarations();
  assert.deepEqual(types.map((t) => t.name).sort(), [
    'com.acme.payments.payment.settled',
    'com.acme.rides.ride.accepted',
    'com.acme.rides.ride.completed',
    'com.acme.rides.ride.requested',
  ]);
  const settled = types.find((t) => t.name === 'com.acme.payments.payment.settled')!;
  assert.equal(settled.mode, 'notification');
  assert.equal((settled.schema as { name: string }).name, 'PaymentSettled');
  assert.ok(types.every((t) => !('schemaFile' in t)));
});
