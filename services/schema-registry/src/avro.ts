// Parsing and canonical form of Avro schemas as clients send them to the registry: the
// JSON text of a Confluent `schema` string. avsc validates; this module adds the location
// of an error and the canonical text that decides whether two registrations are the same.
import avro from 'avsc';
import type { Type, types } from 'avsc';

/** A schema the registry accepted. */
export interface ParsedSchema {
  /** The avsc type; compatibility is decided by resolving these against each other. */
  readonly type: Type;
  /**
   * The schema's identity: two registrations are the same schema (and share one id, across
   * subjects) exactly when their canonical texts are equal. It is also the `schema` string
   * returned to clients. See `canonicalSchema` for what it keeps and what it normalizes.
   */
  readonly canonical: string;
}

/**
 * The schema text is not JSON ("not valid JSON: …") or not a valid Avro schema ("not valid
 * Avro: …"); the registry answers 42201.
 */
export class InvalidSchemaError extends Error {
  override readonly name = 'InvalidSchemaError';
}

type JsonObject = { [key: string]: unknown };

/**
 * Parses a Confluent `schema` string: a record, enum or fixed object, a primitive name such
 * as `"string"`, or a union array. Throws `InvalidSchemaError` naming what is wrong and where.
 */
export function parseAvroSchema(schemaText: string): ParsedSchema {
  let json: unknown;
  try {
    json = JSON.parse(schemaText);
  } catch (error) {
    throw new InvalidSchemaError(`not valid JSON: ${messageOf(error)}`, { cause: error });
  }
  checkFieldDeclarations(json);
  let type: Type;
  try {
    type = forSchema(json);
  } catch (error) {
    throw explainRejection(json, error);
  }
  return { type, canonical: JSON.stringify(canonicalSchema(json, type, '')) };
}

/**
 * Full name of a named type (record, enum, fixed), otherwise its type name with the types
 * it contains, e.g. `string`, `array<com.herald.Stop>`, `union<null, string>`. For messages.
 */
export function describeType(type: Type): string {
  if (type.name !== undefined) return type.name;
  if (type instanceof avro.types.ArrayType) return `array<${describeType(type.itemsType)}>`;
  if (type instanceof avro.types.MapType) return `map<${describeType(type.valuesType)}>`;
  const branches = unionBranches(type);
  if (branches !== undefined) return `union<${branches.map(describeType).join(', ')}>`;
  return type.typeName;
}

/** The last part of a full name: `Ride` for `com.herald.Ride`. */
export function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

/** The branches of a union type, or undefined for any other type. */
export function unionBranches(type: Type): readonly Type[] | undefined {
  // avsc picks the wrapped representation for unions whose branches it cannot tell apart
  // by value alone; both resolve the same way.
  if (type instanceof avro.types.UnwrappedUnionType || type instanceof avro.types.WrappedUnionType) {
    return type.types;
  }
  return undefined;
}

function forSchema(json: unknown): Type {
  // Avro requires names on records, enums and fixed; avsc only does when asked.
  return avro.Type.forSchema(json as avro.Schema, { noAnonymousTypes: true });
}

/**
 * avsc's message for a bad field default does not say which field holds it. When the schema
 * is valid without its defaults, they are put back one at a time, in the order avsc checks
 * them (a field's nested fields before the field, so a record default can rely on the
 * defaults inside that record), and the first one avsc rejects is named.
 */
function explainRejection(json: unknown, rejection: unknown): InvalidSchemaError {
  try {
    forSchema(withFieldDefaults(json, new Set()));
  } catch {
    return invalidAvro(messageOf(rejection), rejection);
  }
  const restored = new Set<JsonObject>();
  for (const { recordName, field } of fieldsInCheckOrder(json)) {
    if (!isJsonObject(field) || field.default === undefined) continue;
    restored.add(field);
    try {
      forSchema(withFieldDefaults(json, restored));
    } catch (error) {
      return invalidAvro(`invalid default of field '${recordName}.${String(field.name)}': ${messageOf(error)}`, error);
    }
  }
  return invalidAvro(messageOf(rejection), rejection);
}

function invalidAvro(problem: string, cause?: unknown): InvalidSchemaError {
  return new InvalidSchemaError(`not valid Avro: ${problem}`, { cause });
}

/**
 * Checks what avsc reports without saying where (or, for a field without a type, crashes on):
 * every field is an object with a name and a type, and no record repeats a field name.
 */
function checkFieldDeclarations(json: unknown): void {
  const namesByRecord = new Map<JsonObject, Set<string>>();
  for (const { record, recordName, field, position } of fieldsInCheckOrder(json)) {
    if (!isJsonObject(field)) throw invalidAvro(`field #${position} of record '${recordName}' is not an object`);
    if (typeof field.name !== 'string') throw invalidAvro(`field #${position} of record '${recordName}' has no name`);
    if (field.type === undefined) throw invalidAvro(`field '${recordName}.${field.name}' has no type`);
    const names = namesByRecord.get(record) ?? new Set<string>();
    if (names.has(field.name)) throw invalidAvro(`record '${recordName}' declares field '${field.name}' twice`);
    namesByRecord.set(record, names.add(field.name));
  }
}

interface FieldDeclaration {
  readonly record: JsonObject;
  /** The record's name as written, without namespace; for messages. */
  readonly recordName: string;
  readonly field: unknown;
  /** 1-based. */
  readonly position: number;
}

/**
 * The fields of every record written in the schema (references by name are not followed),
 * each after the fields nested in its own type: the order in which avsc builds fields.
 */
function* fieldsInCheckOrder(json: unknown): Generator<FieldDeclaration> {
  if (Array.isArray(json)) {
    for (const branch of json) yield* fieldsInCheckOrder(branch);
  } else if (isRecordJson(json)) {
    const recordName = typeof json.name === 'string' ? shortName(json.name) : 'record';
    for (const [index, field] of json.fields.entries()) {
      if (isJsonObject(field)) yield* fieldsInCheckOrder(field.type);
      yield { record: json, recordName, field, position: index + 1 };
    }
  } else if (isJsonObject(json)) {
    if (json.type === 'array') yield* fieldsInCheckOrder(json.items);
    if (json.type === 'map') yield* fieldsInCheckOrder(json.values);
  }
}

/** A copy of the schema in which only the given fields keep their defaults. */
function withFieldDefaults(json: unknown, keep: ReadonlySet<JsonObject>): unknown {
  if (Array.isArray(json)) return json.map((branch) => withFieldDefaults(branch, keep));
  if (isRecordJson(json)) {
    const fields = json.fields.map((field) => {
      if (!isJsonObject(field)) return field;
      const { default: fieldDefault, ...rest } = field;
      const copy = { ...rest, type: withFieldDefaults(field.type, keep) };
      return keep.has(field) ? { ...copy, default: fieldDefault } : copy;
    });
    return { ...json, fields };
  }
  if (isJsonObject(json) && json.type === 'array') return { ...json, items: withFieldDefaults(json.items, keep) };
  if (isJsonObject(json) && json.type === 'map') return { ...json, values: withFieldDefaults(json.values, keep) };
  return json;
}

/**
 * The canonical form, built from the schema as sent (`json`) and as avsc resolved it (`type`).
 *
 * Kept, because each changes meaning, compatibility or what Confluent treats as a distinct
 * registration: full names (from avsc's name resolution), field order, types, defaults,
 * aliases, enum symbols and enum default, `order`, `doc`, `logicalType` with its attributes,
 * and any other attribute (e.g. `connect.name`): clients get this text back as their schema,
 * so dropping an attribute would lose their metadata.
 *
 * Normalized, because it changes nothing: whitespace; key order (a fixed order for Avro's
 * attributes, then the others sorted, also inside defaults); `{"type":"string"}` becomes
 * `"string"`; `"order":"ascending"` and empty `aliases`, which are the defaults, are left out;
 * a name is written as its full name instead of name plus `namespace`. Avro's Parsing
 * Canonical Form is not used: it drops doc, defaults, aliases and logical types.
 *
 * Full names are avsc's, which differ from the spec's in two corner cases: an unqualified
 * alias of an enum or fixed with a dotted name takes the enclosing namespace rather than the
 * name's, and a record with both a dotted name and a `namespace` passes the `namespace` on
 * to the types nested in it.
 */
function canonicalSchema(json: unknown, type: Type, enclosingNamespace: string): unknown {
  if (typeof json === 'string') {
    return type.name === undefined ? type.typeName : referenceTo(type.name, enclosingNamespace);
  }
  const branches = unionBranches(type);
  if (Array.isArray(json) && branches !== undefined) {
    return json.map((branch, index) => canonicalSchema(branch, branchAt(branches, index), enclosingNamespace));
  }
  if (!isJsonObject(json)) throw new Error(`schema node ${JSON.stringify(json)} does not match avsc type ${type.typeName}`);

  if (type instanceof avro.types.RecordType) {
    const namespace = namespaceOf(nameOf(type));
    const fields = type.fields.map((field, index) => canonicalField(fieldAt(json, index), field, namespace));
    return { ...namedAttributes(json, type, enclosingNamespace), fields, ...otherAttributes(json, RECORD_ATTRIBUTES) };
  }
  if (type instanceof avro.types.EnumType) {
    const enumDefault = json.default === undefined ? {} : { default: json.default };
    return {
      ...namedAttributes(json, type, enclosingNamespace),
      symbols: type.symbols,
      ...enumDefault,
      ...otherAttributes(json, ENUM_ATTRIBUTES),
    };
  }
  if (type instanceof avro.types.FixedType) {
    return { ...namedAttributes(json, type, enclosingNamespace), size: type.size, ...otherAttributes(json, FIXED_ATTRIBUTES) };
  }
  if (type instanceof avro.types.ArrayType) {
    const items = canonicalSchema(json.items, type.itemsType, enclosingNamespace);
    return { type: 'array', items, ...otherAttributes(json, ARRAY_ATTRIBUTES) };
  }
  if (type instanceof avro.types.MapType) {
    const values = canonicalSchema(json.values, type.valuesType, enclosingNamespace);
    return { type: 'map', values, ...otherAttributes(json, MAP_ATTRIBUTES) };
  }
  const attributes = otherAttributes(json, PRIMITIVE_ATTRIBUTES);
  return Object.keys(attributes).length === 0 ? type.typeName : { type: type.typeName, ...attributes };
}

const NAMED_ATTRIBUTES = ['type', 'name', 'namespace', 'doc', 'aliases'];
const RECORD_ATTRIBUTES = new Set([...NAMED_ATTRIBUTES, 'fields']);
const ENUM_ATTRIBUTES = new Set([...NAMED_ATTRIBUTES, 'symbols', 'default']);
const FIXED_ATTRIBUTES = new Set([...NAMED_ATTRIBUTES, 'size']);
const ARRAY_ATTRIBUTES = new Set(['type', 'items']);
const MAP_ATTRIBUTES = new Set(['type', 'values']);
const PRIMITIVE_ATTRIBUTES = new Set(['type']);
const FIELD_ATTRIBUTES = new Set(['name', 'type', 'doc', 'default', 'order', 'aliases']);

function canonicalField(json: JsonObject, field: types.Field, namespace: string): JsonObject {
  const canonical: JsonObject = { name: field.name, type: canonicalSchema(json.type, field.type, namespace) };
  if (json.doc !== undefined) canonical.doc = json.doc;
  if (json.default !== undefined) canonical.default = withSortedKeys(json.default);
  if (field.order !== 'ascending') canonical.order = field.order;
  if (field.aliases.length > 0) canonical.aliases = field.aliases;
  return { ...canonical, ...otherAttributes(json, FIELD_ATTRIBUTES) };
}

function namedAttributes(json: JsonObject, type: Type, enclosingNamespace: string): JsonObject {
  const name = nameOf(type);
  const attributes: JsonObject = { type: type.typeName, name };
  // A name without a dot would otherwise inherit the enclosing namespace when read back.
  if (!name.includes('.') && enclosingNamespace !== '') attributes.namespace = '';
  if (json.doc !== undefined) attributes.doc = json.doc;
  if (type.aliases !== undefined && type.aliases.length > 0) attributes.aliases = type.aliases;
  return attributes;
}

function referenceTo(fullName: string, enclosingNamespace: string): string {
  // A leading dot is avsc's way to reference the null namespace from inside another one.
  return !fullName.includes('.') && enclosingNamespace !== '' ? `.${fullName}` : fullName;
}

function otherAttributes(json: JsonObject, known: ReadonlySet<string>): JsonObject {
  const keys = Object.keys(json).filter((key) => !known.has(key)).sort();
  // fromEntries defines properties, so an attribute named `__proto__` stays an attribute.
  return Object.fromEntries(keys.map((key) => [key, withSortedKeys(json[key])]));
}

function withSortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withSortedKeys);
  if (!isJsonObject(value)) return value;
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, withSortedKeys(value[key])]));
}

function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isRecordJson(value: unknown): value is JsonObject & { fields: unknown[] } {
  return isJsonObject(value) && (value.type === 'record' || value.type === 'error') && Array.isArray(value.fields);
}

function fieldAt(record: JsonObject, index: number): JsonObject {
  const field: unknown = Array.isArray(record.fields) ? record.fields[index] : undefined;
  if (!isJsonObject(field)) throw new Error(`field #${index + 1} is missing from a record avsc accepted`);
  return field;
}

function branchAt(branches: readonly Type[], index: number): Type {
  const branch = branches[index];
  if (branch === undefined) throw new Error(`union branch #${index + 1} is missing from a union avsc accepted`);
  return branch;
}

function nameOf(type: Type): string {
  if (type.name === undefined) throw new Error(`${type.typeName} has no name although avsc requires one`);
  return type.name;
}

/** The namespace part of a full name; '' for the null namespace. */
function namespaceOf(fullName: string): string {
  const dot = fullName.lastIndexOf('.');
  return dot === -1 ? '' : fullName.slice(0, dot);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
