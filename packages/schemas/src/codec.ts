// Avro in Confluent's wire format (magic byte 0, 4-byte schema id, Avro body), through
// @kafkajs/confluent-schema-registry. The registry is asked once per subject and once per
// schema id; after that, encoding and decoding make no network calls.
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { SchemaFile } from './files.js';

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  readonly code = 'invalid_wire_format';
  readonly retriable = false;
}

/** The schema id of a Confluent wire-format value, without decoding it. */
export function schemaIdOf(value: Buffer): number {
  if (value.length < 5 || value[0] !== 0) throw new WireFormatError('not Confluent wire format: expected magic byte 0 and a 4-byte schema id');
  return value.readInt32BE(1);
}

export interface SchemaCodecOptions {
  /** Registry base URL, e.g. http://localhost:8081; or a client to share. */
  registry: string | SchemaRegistry;
}

export class SchemaCodec {
  readonly registry: SchemaRegistry;
  /** subject → latest id, resolved once (a new version is picked up after `forget`). */
  private readonly latestIds = new Map<string, Promise<number>>();

  constructor(options: SchemaCodecOptions) {
    this.registry = typeof options.registry === 'string' ? new SchemaRegistry({ host: options.registry }) : options.registry;
  }

  /** The latest schema id of a subject; cached. */
  latestId(subject: string): Promise<number> {
    let id = this.latestIds.get(subject);
    if (!id) {
      id = this.registry.getLatestSchemaId(subject);
      this.latestIds.set(subject, id);
      id.catch(() => this.latestIds.delete(subject));
    }
    return id;
  }

  /** Drops the cached latest id of a subject (after a new version was registered). */
  forget(subject: string): void {
    this.latestIds.delete(subject);
  }

  /** Encodes with the latest schema of `subject`; throws if the value does not fit it. */
  async encode(subject: string, value: unknown): Promise<Buffer> {
    return this.registry.encode(await this.latestId(subject), value);
  }

  encodeWithId(id: number, value: unknown): Promise<Buffer> {
    return this.registry.encode(id, value);
  }

  /** Decodes with the writer's schema, fetched by id once and cached by the client. */
  decode<T = unknown>(value: Buffer): Promise<T> {
    schemaIdOf(value);
    return this.registry.decode(value) as Promise<T>;
  }

  /** `decode`, into plain objects and arrays (Avro bytes stay Buffers): see `toPlain`. */
  async decodePlain<T = unknown>(value: Buffer): Promise<T> {
    return toPlain(await this.decode(value)) as T;
  }

  /** Registers a schema under a subject (idempotent: the same schema keeps its id). */
  async register(subject: string, schemaText: string): Promise<number> {
    // updateConfig false: the subject's compatibility level is the registry's (or the event type's) to set.
    const { id } = await this.registry.register({ type: SchemaType.AVRO, schema: schemaText }, { subject, updateConfig: false });
    this.latestIds.set(subject, Promise.resolve(id));
    return id;
  }
}

// avsc decodes records into instances of classes it generates per schema. Consumers get plain
// objects instead: they compare, clone and serialize like any other JSON-like value, and match
// the data types an application declares.
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value) || value instanceof Date) return value;
  return Object.fromEntries(Object.entries(value).map(([name, field]) => [name, toPlain(field)]));
}

/**
 * Whether a failed decode may succeed later: the registry client reports a failed schema fetch,
 * a refused connection included (as status 400), as a ResponseError; only a 404 (no schema has
 * that id) will not change on a retry.
 */
export function isRegistryOutage(error: unknown): boolean {
  return error instanceof Error && error.name === 'ResponseError' && (error as Error & { status?: unknown }).status !== 404;
}

export type SubjectOf = (file: SchemaFile) => string;

/** Confluent's RecordNameStrategy: the subject is the record's full name. */
export const recordNameSubject: SubjectOf = (file) => file.fullName;

/** Registers every schema file; returns subject → id. */
export async function registerSchemaFiles(codec: SchemaCodec, files: SchemaFile[], subjectOf: SubjectOf = recordNameSubject): Promise<Map<string, number>> {
  const ids = new Map<string, number>();
  for (const file of files) ids.set(subjectOf(file), await codec.register(subjectOf(file), file.text));
  return ids;
}
