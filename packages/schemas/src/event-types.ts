// The example domain's event types, declared in schemas/event-types/*.json. A declaration
// names its Avro schema by file (`schemaFile`, relative to schemas/); loading inlines it, so
// the result is the body of POST /v1/event-types.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { SchemaFileError, defaultSchemasDir } from './files.js';

export interface EventTypeDeclaration {
  name: string;
  schema: unknown;
  [field: string]: unknown;
}

export function loadEventTypeDeclarations(dir = defaultSchemasDir()): EventTypeDeclaration[] {
  const folder = join(dir, 'event-types');
  return readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => {
      let declared: unknown;
      try {
        declared = JSON.parse(readFileSync(join(folder, file), 'utf8'));
      } catch (err) {
        throw new SchemaFileError(`event-types/${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
      }
      if (!Array.isArray(declared)) throw new SchemaFileError(`event-types/${file}: must be an array of event type declarations`);
      return declared.map((entry: Record<string, unknown>, i) => {
        const { schemaFile, ...rest } = entry;
        if (typeof rest.name !== 'string' || typeof schemaFile !== 'string') throw new SchemaFileError(`event-types/${file}[${i}]: needs a "name" and a "schemaFile"`);
        let schema: unknown;
        try {
          schema = JSON.parse(readFileSync(join(dir, schemaFile), 'utf8'));
        } catch (err) {
          throw new SchemaFileError(`event-types/${file}[${i}]: cannot read schemaFile ${schemaFile}: ${(err as Error).message}`, { cause: err });
        }
        return { ...rest, name: rest.name, schema };
      });
    });
}
