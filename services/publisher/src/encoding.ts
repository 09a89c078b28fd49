// Event data arrives as JSON and leaves as Avro in Confluent's wire format. Before encoding, the
// data is conformed to the type's schema: missing fields that have a default get it, and every
// problem (a missing required field, a field the schema does not know — Avro would silently
// drop it —, a value of the wrong type) is reported with its JSON pointer, all at once.
import avro, { type Type } from 'avsc';
import type { RegistryClient } from '@herald/schemas';

export interface DataProblem {
  /** JSON pointer into the event, e.g. /data/pickup/lat. */
  path: string;
  message: string;
}

export type Conformed = { ok: true; value: unknown } | { ok: false; problems: DataProblem[] };

const pointer = (path: string, segment: string | number) => `${path}/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`;

function describe(type: Type): string {
  return type.name ?? (type.typeName === 'union:unwrapped' || type.typeName === 'union:wrapped' ? 'one of the union\'s types' : type.typeName);
}

function show(value: unknown): string {
  const text = value === undefined ? 'nothing' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** The data conformed to `type` (defaults filled in), or every problem found. */
export function conform(type: Type, value: unknown, path = '/data'): Conformed {
  const problems: DataProblem[] = [];
  const walk = (t: Type, v: unknown, at: string): unknown => {
    if (t instanceof avro.types.RecordType) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        problems.push({ path: at, message: `expected a record ${t.name ?? ''}, got ${show(v)}`.replace('  ', ' ') });
        return v;
      }
      const input = v as Record<string, unknown>;
      const known = new Set(t.fields.map((f) => f.name));
      for (const name of Object.keys(input)) {
        if (!known.has(name)) problems.push({ path: pointer(at, name), message: `unknown field '${name}': ${t.name ?? 'the record'} has no such field` });
      }
      const out: Record<string, unknown> = {};
      for (const field of t.fields) {
        const fieldValue = input[field.name];
        if (fieldValue === undefined) {
          const fallback: unknown = field.defaultValue();
          if (fallback === undefined) problems.push({ path: pointer(at, field.name), message: `missing required field '${field.name}' (${describe(field.type)})` });
          else out[field.name] = fallback;
          continue;
        }
        out[field.name] = walk(field.type, fieldValue, pointer(at, field.name));
      }
      return out;
    }
    if (t instanceof avro.types.ArrayType) {
      if (!Array.isArray(v)) {
        problems.push({ path: at, message: `expected an array, got ${show(v)}` });
        return v;
      }
      return v.map((item, i) => walk(t.itemsType, item, pointer(at, i)));
    }
    if (t instanceof avro.types.MapType) {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        problems.push({ path: at, message: `expected a map (JSON object), got ${show(v)}` });
        return v;
      }
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(t.valuesType, item, pointer(at, k))]));
    }
    // Primitives, enums, fixed and unions: avsc decides, and says where inside a union value.
    t.isValid(v, {
      errorHook: (inner: string[], bad: unknown, badType: Type) => {
        problems.push({ path: inner.reduce(pointer, at), message: `expected ${describe(badType)}, got ${show(bad)}` });
      },
    });
    return v;
  };
  const conformed = walk(type, value, path);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: conformed };
}

export interface WriterSchema {
  id: number;
  type: Type;
}

/** Avro types by schema id, fetched from the registry once per id. */
export class SchemaCache {
  private readonly byId = new Map<number, Promise<WriterSchema>>();

  constructor(private readonly registry: RegistryClient) {}

  get(id: number): Promise<WriterSchema> {
    let schema = this.byId.get(id);
    if (!schema) {
      schema = this.registry.schemaById(id).then(({ schema: text }) => ({ id, type: avro.Type.forSchema(JSON.parse(text) as avro.Schema) }));
      this.byId.set(id, schema);
      schema.catch(() => this.byId.delete(id));
    }
    return schema;
  }
}

/** Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian int, the Avro body. */
export function encode(schema: WriterSchema, value: unknown): Buffer {
  const body = schema.type.toBuffer(value);
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = 0;
  out.writeInt32BE(schema.id, 1);
  body.copy(out, 5);
  return out;
}
