// The pure half of the PostgreSQL table target: which columns a table gets from the Avro schemas of
// its source types, and how a batch of row changes becomes one text array per column. No database
// here; postgres.ts runs the statements.
//
// The table decision (docs/replay-postgres.md): one typed column per top-level field, so that
// downstream queries, indexes and constraints work on real types (a timestamp is a timestamptz,
// a long a bigint); whatever has structure (records, arrays, maps, unions of several types) goes
// into jsonb whole. Beside the data, provenance columns say which event wrote the row, and
// `_herald_version` guards every upsert. Columns are named exactly as the Avro fields (quoted:
// `"rideId"`), because a renamed column would be a second name to learn and could collide.
import type { RowChange } from './sink.js';

export const postgresTargetErrorCodes = ['invalid_table_name', 'table_mismatch', 'schema_conflict', 'unsupported_schema'] as const;
export type PostgresTargetErrorCode = (typeof postgresTargetErrorCodes)[number];

/** The target cannot take these rows as declared: a configuration problem, never retried. */
export class PostgresTargetError extends Error {
  override readonly name = 'PostgresTargetError';
  readonly retriable = false;

  constructor(
    readonly code: PostgresTargetErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type ColumnType =
  | 'text'
  | 'integer'
  | 'bigint'
  | 'real'
  | 'double precision'
  | 'boolean'
  | 'bytea'
  | 'timestamptz'
  | 'timestamp'
  | 'date'
  | 'numeric'
  | 'jsonb';

/** What PostgreSQL's format_type(type, NULL) calls each column type: how an existing column is checked. */
export const catalogTypeNames: Record<ColumnType, string> = {
  text: 'text',
  integer: 'integer',
  bigint: 'bigint',
  real: 'real',
  'double precision': 'double precision',
  boolean: 'boolean',
  bytea: 'bytea',
  timestamptz: 'timestamp with time zone',
  timestamp: 'timestamp without time zone',
  date: 'date',
  numeric: 'numeric',
  jsonb: 'jsonb',
};

export interface TableColumn {
  name: string;
  type: ColumnType;
  /** key: the primary key; data: a top-level field; provenance: written from the event's attributes. */
  role: 'key' | 'data' | 'provenance';
}

/** A data column: a top-level field and how its decoded value becomes text PostgreSQL casts. */
export interface FieldColumn extends TableColumn {
  /** The Avro type the column was derived from, for messages, e.g. 'long/timestamp-millis'. */
  avro: string;
  /** Two fields may share a column only with the same type and the same encoding. */
  encoding: string;
  encode(value: unknown): string | null;
}

/** The columns of a target table, in table order: key, data fields, provenance. */
export interface TableLayout {
  key: TableColumn;
  /** The field holding the key (then it is the key column), or undefined for `_herald_key`. */
  keyField: string | undefined;
  /** Data columns other than the key. */
  data: FieldColumn[];
  provenance: TableColumn[];
  columns: TableColumn[];
}

export const provenanceColumns: readonly TableColumn[] = [
  { name: '_herald_version', type: 'bigint', role: 'provenance' },
  { name: '_herald_event_id', type: 'text', role: 'provenance' },
  { name: '_herald_event_type', type: 'text', role: 'provenance' },
  { name: '_herald_source', type: 'text', role: 'provenance' },
  { name: '_herald_event_time', type: 'timestamptz', role: 'provenance' },
  { name: '_herald_recorded_time', type: 'timestamptz', role: 'provenance' },
];

/** The key column when no field holds the key. */
export const defaultKeyColumn = '_herald_key';

/** Types a primary key may have: the partition key (a string) casts to them. */
const keyTypes: ReadonlySet<ColumnType> = new Set(['text', 'integer', 'bigint']);

const identifier = /^[a-z_][a-z0-9_]{0,62}$/;

export interface TableName {
  schema: string | undefined;
  table: string;
  /** Quoted and qualified, for SQL: "schema"."table". */
  sql: string;
}

/** Double-quotes an identifier (a doubled quote inside). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `table` or `schema.table`, each part lower-case letters, digits and underscores, at most 63. */
export function parseTableName(name: string): TableName {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((p) => identifier.test(p))) {
    throw new PostgresTargetError(
      'invalid_table_name',
      `invalid table name '${name}': use 'table' or 'schema.table', each part matching ${identifier.source}`,
    );
  }
  const [first, second] = parts as [string, string | undefined];
  const schema = second === undefined ? undefined : first;
  const table = second ?? first;
  return { schema, table, sql: schema === undefined ? quoteIdent(table) : `${quoteIdent(schema)}.${quoteIdent(table)}` };
}

// ---------------------------------------------------------------------------------------------
// Values → text. Data arrives as plain JSON values from avsc (no logical types): numbers for int,
// long and timestamps, Buffers for bytes and fixed; Dates and bigints are accepted too.

function unsupportedValue(column: string, type: ColumnType, value: unknown): never {
  throw new PostgresTargetError('unsupported_schema', `column "${column}" (${type}) cannot take the value ${String(JSON.stringify(value, jsonReplacer) ?? value).slice(0, 100)}`);
}

/** Buffers (bytes, fixed) as base64 and bigints as strings inside jsonb. */
function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  // Buffer#toJSON has already run: read the holder's original value.
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * JSON text for jsonb. A replacer costs a call per key, so it runs only when the plain text shows
 * a Buffer (Buffer#toJSON's shape) or a bigint made JSON.stringify throw.
 */
function toJson(value: unknown): string {
  let plain: string;
  try {
    plain = JSON.stringify(value);
  } catch {
    return JSON.stringify(value, jsonReplacer);
  }
  return plain.includes('"type":"Buffer","data":[') ? JSON.stringify(value, jsonReplacer) : plain;
}

function toBuffer(value: unknown): Buffer | undefined {
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // Avro's JSON encoding of bytes: one code point per byte.
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  // A Buffer that went through JSON.
  if (typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data)) {
    return Buffer.from((value as { data: number[] }).data);
  }
  return undefined;
}

function toBigInt(value: unknown): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return BigInt(value);
  return undefined;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** The instants Date#toISOString writes with a plain four-digit year: 0001-01-01 to 9999-12-31. */
const minIsoMillis = -62_135_596_800_000;
const maxIsoMillis = 253_402_300_799_999;

/** A year as PostgreSQL reads it: year 0 is 1 BC, -1 is 2 BC (ISO 8601 counts year 0). */
function pgYear(year: number): { year: string; era: string } {
  return year > 0 ? { year: pad(year, 4), era: '' } : { year: pad(1 - year, 4), era: ' BC' };
}

/** Microseconds since the epoch as a timestamp literal, exact to the microsecond. */
export function formatEpochMicros(micros: bigint, withZone: boolean): string {
  let ms = micros / 1000n;
  let rest = micros % 1000n;
  if (rest < 0n) {
    rest += 1000n;
    ms -= 1n;
  }
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) throw new RangeError(`timestamp out of range: ${micros} µs`);
  const { year, era } = pgYear(date.getUTCFullYear());
  const fraction = pad(date.getUTCMilliseconds() * 1000 + Number(rest), 6);
  return `${year}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}.${fraction}${withZone ? '+00' : ''}${era}`;
}

/** Days since the epoch as a date literal. */
export function formatEpochDays(days: number): string {
  const date = new Date(days * 86_400_000);
  if (!Number.isInteger(days) || Number.isNaN(date.getTime())) throw new RangeError(`date out of range: ${days} days`);
  const { year, era } = pgYear(date.getUTCFullYear());
  return `${year}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())}${era}`;
}

/** Avro decimal bytes (big-endian two's complement of the unscaled value) as a numeric literal. */
export function formatDecimal(bytes: Buffer, scale: number): string {
  let unscaled = 0n;
  for (const byte of bytes) unscaled = (unscaled << 8n) | BigInt(byte);
  if (bytes.length > 0 && (bytes[0]! & 0x80) !== 0) unscaled -= 1n << BigInt(bytes.length * 8);
  const negative = unscaled < 0n;
  let digits = (negative ? -unscaled : unscaled).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

type Encoder = (value: unknown) => string | null;

function encoderFor(column: string, type: ColumnType, encoding: string): Encoder {
  const fail = (value: unknown): never => unsupportedValue(column, type, value);
  switch (type) {
    case 'text':
      return (v) => (v == null ? null : typeof v === 'string' ? v : typeof v === 'object' ? toJson(v) : String(v));
    case 'integer':
    case 'bigint':
      return (v) => (v == null ? null : typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : (toBigInt(v) ?? fail(v)).toString());
    case 'real':
    case 'double precision':
      // String(NaN), String(Infinity) and exponent forms are all valid float input.
      return (v) => (v == null ? null : typeof v === 'number' || typeof v === 'bigint' ? String(v) : typeof v === 'string' ? v : fail(v));
    case 'boolean':
      return (v) => (v == null ? null : typeof v === 'boolean' ? String(v) : v === 'true' || v === 'false' ? v : fail(v));
    case 'bytea':
      return (v) => (v == null ? null : `\\x${(toBuffer(v) ?? fail(v)).toString('hex')}`);
    case 'timestamptz':
    case 'timestamp': {
      const micros = encoding === 'micros';
      const withZone = type === 'timestamptz';
      return (v) => {
        if (v == null) return null;
        if (typeof v === 'number' && Number.isSafeInteger(v)) {
          // The common case, without BigInt: an ISO string from Date, years 1 to 9999.
          const ms = micros ? Math.floor(v / 1000) : v;
          if (ms >= minIsoMillis && ms <= maxIsoMillis) {
            const iso = new Date(ms).toISOString();
            if (!micros) return withZone ? iso : iso.slice(0, 23);
            const fraction = String(v - ms * 1000).padStart(3, '0');
            return withZone ? `${iso.slice(0, 23)}${fraction}Z` : `${iso.slice(0, 23)}${fraction}`;
          }
        }
        if (v instanceof Date) return formatEpochMicros(BigInt(v.getTime()) * 1000n, withZone);
        const n = toBigInt(v);
        return n === undefined ? fail(v) : formatEpochMicros(micros ? n : n * 1000n, withZone);
      };
    }
    case 'date':
      return (v) => {
        if (v == null) return null;
        if (v instanceof Date) return formatEpochDays(Math.floor(v.getTime() / 86_400_000));
        return typeof v === 'number' ? formatEpochDays(v) : fail(v);
      };
    case 'numeric': {
      const scale = Number(/^scale=(\d+)$/.exec(encoding)?.[1] ?? 0);
      return (v) => {
        if (v == null) return null;
        if (typeof v === 'number' || typeof v === 'bigint') return String(v);
        if (typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)) return v;
        const bytes = toBuffer(v);
        return bytes ? formatDecimal(bytes, scale) : fail(v);
      };
    }
    case 'jsonb':
      // undefined: a field absent from this event's schema; null is SQL NULL, not JSON null.
      return (v) => (v == null ? null : toJson(v));
  }
}

// ---------------------------------------------------------------------------------------------
// Avro schema → columns.

type AvroSchema = string | AvroSchema[] | { [key: string]: unknown };

const primitives: Record<string, ColumnType> = {
  string: 'text',
  int: 'integer',
  long: 'bigint',
  float: 'real',
  double: 'double precision',
  boolean: 'boolean',
  bytes: 'bytea',
  null: 'jsonb',
};

interface ColumnShape {
  type: ColumnType;
  avro: string;
  encoding: string;
}

/** Named types (records, enums, fixed) by full name, so that a field may refer to one by name. */
class NamedTypes {
  private readonly byName = new Map<string, Record<string, unknown>>();

  constructor(schema: AvroSchema) {
    this.collect(schema, undefined);
  }

  private collect(schema: AvroSchema, namespace: string | undefined): void {
    if (Array.isArray(schema)) {
      for (const branch of schema) this.collect(branch, namespace);
      return;
    }
    if (typeof schema !== 'object' || schema === null) return;
    const type = schema.type;
    let inner = namespace;
    if ((type === 'record' || type === 'error' || type === 'enum' || type === 'fixed') && typeof schema.name === 'string') {
      const full = fullName(schema.name, typeof schema.namespace === 'string' ? schema.namespace : namespace);
      this.byName.set(full, schema);
      inner = full.includes('.') ? full.slice(0, full.lastIndexOf('.')) : undefined;
    }
    if (Array.isArray(schema.fields)) {
      for (const field of schema.fields as Array<{ type?: AvroSchema }>) if (field?.type !== undefined) this.collect(field.type, inner);
    }
    if (schema.items !== undefined) this.collect(schema.items as AvroSchema, inner);
    if (schema.values !== undefined) this.collect(schema.values as AvroSchema, inner);
    if (typeof type === 'object' && type !== null) this.collect(type as AvroSchema, inner);
  }

  resolve(name: string, namespace: string | undefined): Record<string, unknown> | undefined {
    return this.byName.get(fullName(name, namespace)) ?? this.byName.get(name);
  }
}

function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}

function shapeOf(schema: AvroSchema, names: NamedTypes, namespace: string | undefined, field: string): ColumnShape {
  if (typeof schema === 'string') {
    const primitive = primitives[schema];
    if (primitive) return { type: primitive, avro: schema, encoding: '' };
    const named = names.resolve(schema, namespace);
    if (!named) throw new PostgresTargetError('unsupported_schema', `field '${field}' refers to the unknown type '${schema}'`);
    return shapeOf(named, names, namespace, field);
  }
  if (Array.isArray(schema)) {
    const others = schema.filter((branch) => branch !== 'null' && !(typeof branch === 'object' && !Array.isArray(branch) && branch.type === 'null'));
    // ["null", T]: T's column, which is nullable anyway. Any other union keeps its shape in jsonb.
    if (others.length === 1) return shapeOf(others[0]!, names, namespace, field);
    return { type: 'jsonb', avro: 'union', encoding: '' };
  }
  const type = schema.type;
  const logical = typeof schema.logicalType === 'string' ? schema.logicalType : undefined;
  if (logical && typeof type === 'string') {
    if ((logical === 'timestamp-millis' || logical === 'timestamp-micros') && type === 'long') {
      return { type: 'timestamptz', avro: `long/${logical}`, encoding: logical.slice('timestamp-'.length) };
    }
    if ((logical === 'local-timestamp-millis' || logical === 'local-timestamp-micros') && type === 'long') {
      return { type: 'timestamp', avro: `long/${logical}`, encoding: logical.slice('local-timestamp-'.length) };
    }
    if (logical === 'date' && type === 'int') return { type: 'date', avro: 'int/date', encoding: '' };
    if (logical === 'decimal' && (type === 'bytes' || type === 'fixed')) {
      const scale = typeof schema.scale === 'number' ? schema.scale : 0;
      return { type: 'numeric', avro: `${type}/decimal(${String(schema.precision)},${scale})`, encoding: `scale=${scale}` };
    }
    // uuid is a string; other logical types (time-millis, …) fall back to their underlying type, as Avro says.
  }
  switch (type) {
    case 'record':
    case 'error':
    case 'array':
    case 'map':
      return { type: 'jsonb', avro: type, encoding: '' };
    case 'enum':
      return { type: 'text', avro: 'enum', encoding: '' };
    case 'fixed':
      return { type: 'bytea', avro: 'fixed', encoding: '' };
    default:
      if (typeof type === 'string' || Array.isArray(type) || (typeof type === 'object' && type !== null)) {
        return shapeOf(type as AvroSchema, names, namespace, field);
      }
      throw new PostgresTargetError('unsupported_schema', `field '${field}' has no valid Avro type`);
  }
}

function asRecordSchema(schema: unknown, index: number): Record<string, unknown> & { fields: Array<Record<string, unknown>> } {
  let parsed = schema;
  if (typeof schema === 'string') {
    try {
      parsed = JSON.parse(schema);
    } catch (err) {
      throw new PostgresTargetError('unsupported_schema', `schema ${index + 1} is not JSON`, { cause: err });
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || (parsed as { type?: unknown }).type !== 'record' || !Array.isArray((parsed as { fields?: unknown }).fields)) {
    throw new PostgresTargetError('unsupported_schema', `schema ${index + 1} is not an Avro record: a table row is a record's fields`);
  }
  return parsed as Record<string, unknown> & { fields: Array<Record<string, unknown>> };
}

export interface LayoutOptions {
  /** Avro schema (JSON, parsed or text) of each source type; all records. */
  schemas: unknown[];
  /** A top-level field holding the partition key: it becomes the primary key. */
  keyField?: string;
}

/**
 * The table's columns: the union by name of the schemas' top-level fields, each typed from its
 * Avro type. The same name with different column types (or encodings) is a schema_conflict.
 */
export function tableLayout(options: LayoutOptions): TableLayout {
  if (options.schemas.length === 0) throw new PostgresTargetError('unsupported_schema', 'a PostgreSQL target needs the schema of at least one source type');
  const fields = new Map<string, ColumnShape>();
  const keyFieldMissing: number[] = [];
  options.schemas.forEach((raw, index) => {
    const schema = asRecordSchema(raw, index);
    const names = new NamedTypes(schema);
    const namespace = fullName(String(schema.name), typeof schema.namespace === 'string' ? schema.namespace : undefined);
    const enclosing = namespace.includes('.') ? namespace.slice(0, namespace.lastIndexOf('.')) : undefined;
    const seen = new Set<string>();
    for (const field of schema.fields) {
      const name = field.name;
      if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new PostgresTargetError('unsupported_schema', `schema ${index + 1} has a field with an invalid name: ${JSON.stringify(name)}`);
      }
      if (Buffer.byteLength(name) > 63) throw new PostgresTargetError('unsupported_schema', `field '${name}' is longer than PostgreSQL's 63-byte column names`);
      if (name.startsWith('_herald_')) throw new PostgresTargetError('unsupported_schema', `field '${name}': the prefix _herald_ is reserved for provenance columns`);
      seen.add(name);
      const shape = shapeOf(field.type as AvroSchema, names, enclosing, name);
      const earlier = fields.get(name);
      if (!earlier) fields.set(name, shape);
      else if (earlier.type !== shape.type || earlier.encoding !== shape.encoding) {
        throw new PostgresTargetError(
          'schema_conflict',
          `field '${name}' is ${earlier.avro} (${earlier.type}) in one source schema and ${shape.avro} (${shape.type}) in another; one column cannot hold both`,
        );
      }
    }
    if (options.keyField !== undefined && !seen.has(options.keyField)) keyFieldMissing.push(index + 1);
  });

  let key: TableColumn = { name: defaultKeyColumn, type: 'text', role: 'key' };
  if (options.keyField !== undefined) {
    const shape = fields.get(options.keyField);
    if (!shape || keyFieldMissing.length > 0) {
      throw new PostgresTargetError('unsupported_schema', `key field '${options.keyField}' is not a top-level field of schema ${keyFieldMissing.join(', ')}`);
    }
    if (!keyTypes.has(shape.type)) {
      throw new PostgresTargetError('unsupported_schema', `key field '${options.keyField}' is ${shape.avro} (${shape.type}); a key column must be text, integer or bigint`);
    }
    key = { name: options.keyField, type: shape.type, role: 'key' };
  }
  const data: FieldColumn[] = [...fields]
    .filter(([name]) => name !== options.keyField)
    .map(([name, shape]) => ({ name, type: shape.type, role: 'data', avro: shape.avro, encoding: shape.encoding, encode: encoderFor(name, shape.type, shape.encoding) }));
  const provenance = provenanceColumns.map((c) => ({ ...c }));
  return {
    key,
    keyField: options.keyField,
    data,
    provenance,
    columns: [key, ...data.map(({ name, type, role }) => ({ name, type, role })), ...provenance],
  };
}

// ---------------------------------------------------------------------------------------------
// Changes → column arrays.

/**
 * The last change per key: changes of one key arrive in order with non-decreasing versions, and
 * a row shows only its newest state. Ties go to the later change. Sorted by key, so that
 * concurrent writers lock rows in the same order.
 */
export function foldChanges(changes: readonly RowChange[]): RowChange[] {
  const last = new Map<string, RowChange>();
  for (const change of changes) {
    const earlier = last.get(change.key);
    if (!earlier || change.version >= earlier.version) last.set(change.key, change);
  }
  return [...last.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * One text array per column of `layout.columns` (key, data, provenance), each as long as
 * `upserts`: the parameters of the unnest() upsert.
 */
export function encodeUpserts(layout: TableLayout, upserts: readonly RowChange[]): Array<Array<string | null>> {
  const n = upserts.length;
  const key = new Array<string | null>(n);
  const data = layout.data.map(() => new Array<string | null>(n));
  const provenance = layout.provenance.map(() => new Array<string | null>(n));
  const [version, id, type, source, time, recorded] = provenance as [Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>, Array<string | null>];
  for (let i = 0; i < n; i++) {
    const change = upserts[i]!;
    key[i] = change.key;
    const values = change.data ?? {};
    for (let c = 0; c < layout.data.length; c++) {
      const column = layout.data[c]!;
      data[c]![i] = column.encode(values[column.name]);
    }
    version[i] = change.version.toString();
    const event = change.event;
    id[i] = event?.id ?? null;
    type[i] = event?.type ?? null;
    source[i] = event?.source ?? null;
    time[i] = event?.time || null;
    recorded[i] = event?.recordedtime || null;
  }
  return [key, ...data, ...provenance];
}

/**
 * A PostgreSQL array literal of text elements: every element double-quoted (so that NULL, braces,
 * commas and blanks stay text), backslashes and quotes escaped, SQL NULL as NULL. Faster than
 * node-postgres's own array encoding, which runs two replaces over every element.
 */
export function arrayLiteral(values: ReadonlyArray<string | null>): string {
  // Most columns hold no NULL and no quote or backslash: one native join.
  let plain = true;
  for (let i = 0; i < values.length && plain; i++) {
    const v = values[i];
    plain = v != null && v.indexOf('"') === -1 && v.indexOf('\\') === -1;
  }
  if (plain) return values.length === 0 ? '{}' : `{"${values.join('","')}"}`;
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    parts[i] = v == null ? 'NULL' : needsEscape.test(v) ? `"${v.replace(/[\\"]/g, '\\$&')}"` : `"${v}"`;
  }
  return `{${parts.join(',')}}`;
}

const needsEscape = /[\\"]/;

/**
 * arrayLiteral for values that are JSON texts (jsonb columns), in one native call: a JSON array of
 * strings escapes exactly `"` and `\` in them, as an array literal does, because JSON.stringify's
 * output holds no control character or lone surrogate that JSON would escape differently; and
 * JSON's unquoted null reads as NULL.
 */
export function jsonArrayLiteral(values: ReadonlyArray<string | null>): string {
  return `{${JSON.stringify(values).slice(1, -1)}}`;
}
