// The project's Avro schemas live as .avsc files under schemas/; this finds and checks them.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';

export class SchemaFileError extends Error {
  override readonly name = 'SchemaFileError';
  readonly code = 'invalid_schema_file';
  readonly retriable = false;
}

export interface SchemaFile {
  /** Path relative to the schemas folder, e.g. rides/ride.avsc. */
  file: string;
  /** Full name of the top-level named type, e.g. com.acme.rides.Ride. */
  fullName: string;
  /** The schema as written (JSON). */
  schema: avro.Schema;
  /** Compact JSON text, as sent to the registry. */
  text: string;
}

/** The repository's schemas/ folder. */
export function defaultSchemasDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas');
}

function findAvsc(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return findAvsc(path);
      return name.endsWith('.avsc') ? [path] : [];
    });
}

/**
 * Loads every schemas/**\/*.avsc, checks that each is valid Avro with a named top-level type,
 * and that no two files define the same name. Errors name the file.
 */
export function loadSchemaFiles(dir = defaultSchemasDir()): SchemaFile[] {
  const seen = new Map<string, string>();
  return findAvsc(dir).map((path) => {
    const file = relative(dir, path);
    let schema: avro.Schema;
    try {
      schema = JSON.parse(readFileSync(path, 'utf8')) as avro.Schema;
    } catch (err) {
      throw new SchemaFileError(`${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
    }
    let type: avro.Type;
    try {
      type = avro.Type.forSchema(schema, { noAnonymousTypes: true });
    } catch (err) {
      throw new SchemaFileError(`${file}: not a valid Avro schema: ${(err as Error).message}`, { cause: err });
    }
    if (!type.name) throw new SchemaFileError(`${file}: the top-level type must be a named record, enum or fixed`);
    const other = seen.get(type.name);
    if (other) throw new SchemaFileError(`${file}: ${type.name} is already defined in ${other}`);
    seen.set(type.name, file);
    return { file, fullName: type.name, schema, text: JSON.stringify(schema) };
  });
}
