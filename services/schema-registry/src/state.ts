// The registry's state is a fold of its Kafka topic. This module holds that fold (`apply`),
// the queries the API answers from it, and the commands, which never change state directly:
// they check a request against the current state and return the records to append. The store
// appends them and the state changes when the records are read back — in every instance alike.
import { parseAvroSchema, type ParsedSchema } from './avro.js';
import { checkCompatibility, compatibilityLevels, isCompatibilityLevel, type CompatibilityLevel } from './compatibility.js';
import { RegistryError, errors } from './errors.js';

/** Record keys, in Confluent's format (plus one of Herald's own, ID_WATERMARK). */
export type RegistryKey =
  | { keytype: 'SCHEMA'; subject: string; version: number; magic: 1 }
  | { keytype: 'CONFIG'; subject: string | null; magic: 0 }
  /** The highest id ever assigned: survives compaction of deleted schemas, so ids are never reused. */
  | { keytype: 'ID_WATERMARK'; magic: 0 };

export interface SchemaValue {
  subject: string;
  version: number;
  id: number;
  schema: string;
  schemaType?: string;
  deleted: boolean;
}

export interface ConfigValue {
  compatibilityLevel: CompatibilityLevel;
}

export interface WatermarkValue {
  maxId: number;
}

export interface RegistryRecord {
  key: RegistryKey;
  value: SchemaValue | ConfigValue | WatermarkValue | null;
}

/** What a command decided: records to append (possibly none) and the answer once they are. */
export interface Mutation<T> {
  records: RegistryRecord[];
  result: T;
}

interface VersionEntry {
  version: number;
  id: number;
  deleted: boolean;
}

interface StoredSchema {
  id: number;
  /** As stored; for schemas this registry wrote, the canonical form. */
  text: string;
  schemaType: string;
  /** Parsed on first use; undefined when the text is not a schema this registry can parse. */
  parsed?: ParsedSchema | null;
  /** How many (subject, version) entries point at this id; at zero the id is gone. */
  refs: number;
}

export type VersionSpec = number | 'latest';

export interface SubjectVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
  schemaType?: string;
}

const MAX_VERSION = 2 ** 31 - 1;

/** Parses a path segment as Confluent does: a positive int, or "latest" (or -1). */
export function parseVersion(raw: string): VersionSpec {
  if (raw === 'latest' || raw === '-1') return 'latest';
  if (!/^\d+$/.test(raw)) throw errors.invalidVersion(raw);
  const n = Number(raw);
  if (n < 1 || n > MAX_VERSION) throw errors.invalidVersion(raw);
  return n;
}

export function parseLevel(raw: unknown): CompatibilityLevel {
  const upper = typeof raw === 'string' ? raw.toUpperCase() : raw;
  if (typeof upper !== 'string' || !isCompatibilityLevel(upper)) throw errors.invalidLevel(raw);
  return upper;
}

function parseSchemaText(text: unknown): ParsedSchema {
  if (typeof text !== 'string' || text.trim() === '') throw errors.invalidSchema('the request has no schema string');
  try {
    return parseAvroSchema(text);
  } catch (err) {
    throw new RegistryError('invalid_schema', `Invalid schema: ${(err as Error).message}`, { cause: err });
  }
}

export interface SchemaRequest {
  schema: unknown;
  schemaType?: unknown;
  references?: unknown;
}

function checkSchemaRequest(request: SchemaRequest): ParsedSchema {
  if (request.schemaType !== undefined && request.schemaType !== null && request.schemaType !== 'AVRO') {
    throw errors.invalidSchema(`schema type '${String(request.schemaType)}' is not supported; this registry supports AVRO`);
  }
  if (request.references !== undefined && request.references !== null && !(Array.isArray(request.references) && request.references.length === 0)) {
    throw errors.invalidSchema('schema references are not supported by this registry');
  }
  return parseSchemaText(request.schema);
}

export class RegistryState {
  private readonly subjects = new Map<string, Map<number, VersionEntry>>();
  private readonly schemas = new Map<number, StoredSchema>();
  private readonly idByCanonical = new Map<string, number>();
  private readonly subjectLevels = new Map<string, CompatibilityLevel>();
  private globalLevel: CompatibilityLevel;
  private maxId = 0;

  constructor(private readonly defaultLevel: CompatibilityLevel = 'BACKWARD') {
    this.globalLevel = defaultLevel;
  }

  // ---- the fold ------------------------------------------------------------------------------

  /**
   * Applies one record of the topic. Records of kinds this registry does not know (Confluent's
   * NOOP, MODE, DELETE_SUBJECT) are ignored; returns false for a record it could not read.
   */
  apply(key: unknown, value: unknown): boolean {
    if (typeof key !== 'object' || key === null) return false;
    const k = key as Partial<RegistryKey> & { keytype?: string };
    switch (k.keytype) {
      case 'SCHEMA': {
        const { subject, version } = k as { subject?: unknown; version?: unknown };
        if (typeof subject !== 'string' || typeof version !== 'number') return false;
        if (value === null) this.removeVersion(subject, version);
        else if (!this.putVersion(subject, version, value as SchemaValue)) return false;
        return true;
      }
      case 'CONFIG': {
        const { subject } = k as { subject?: unknown };
        if (value === null) {
          if (typeof subject === 'string') this.subjectLevels.delete(subject);
          else this.globalLevel = this.defaultLevel;
          return true;
        }
        const level = (value as Partial<ConfigValue>).compatibilityLevel;
        if (typeof level !== 'string' || !isCompatibilityLevel(level)) return false;
        if (typeof subject === 'string') this.subjectLevels.set(subject, level);
        else this.globalLevel = level;
        return true;
      }
      case 'ID_WATERMARK': {
        const maxId = (value as Partial<WatermarkValue> | null)?.maxId;
        if (typeof maxId === 'number') this.maxId = Math.max(this.maxId, maxId);
        return true;
      }
      default:
        return true;
    }
  }

  private putVersion(subject: string, version: number, value: SchemaValue): boolean {
    if (typeof value.id !== 'number' || typeof value.schema !== 'string') return false;
    let versions = this.subjects.get(subject);
    if (!versions) this.subjects.set(subject, (versions = new Map()));
    const previous = versions.get(version);
    if (previous && previous.id !== value.id) this.release(previous.id);
    if (!previous || previous.id !== value.id) this.retain(value.id, value.schema, value.schemaType ?? 'AVRO');
    versions.set(version, { version, id: value.id, deleted: value.deleted === true });
    this.maxId = Math.max(this.maxId, value.id);
    return true;
  }

  private removeVersion(subject: string, version: number): void {
    const versions = this.subjects.get(subject);
    const entry = versions?.get(version);
    if (!versions || !entry) return;
    versions.delete(version);
    if (versions.size === 0) this.subjects.delete(subject);
    this.release(entry.id);
  }

  private retain(id: number, text: string, schemaType: string): void {
    const stored = this.schemas.get(id);
    if (stored) {
      stored.refs++;
      return;
    }
    this.schemas.set(id, { id, text, schemaType, refs: 1 });
    const parsed = this.parsed(id);
    if (parsed && !this.idByCanonical.has(parsed.canonical)) this.idByCanonical.set(parsed.canonical, id);
  }

  private release(id: number): void {
    const stored = this.schemas.get(id);
    if (!stored || --stored.refs > 0) return;
    this.schemas.delete(id);
    if (stored.parsed && this.idByCanonical.get(stored.parsed.canonical) === id) this.idByCanonical.delete(stored.parsed.canonical);
  }

  private parsed(id: number): ParsedSchema | null {
    const stored = this.schemas.get(id);
    if (!stored) return null;
    if (stored.parsed === undefined) {
      try {
        stored.parsed = stored.schemaType === 'AVRO' ? parseAvroSchema(stored.text) : null;
      } catch {
        stored.parsed = null;
      }
    }
    return stored.parsed;
  }

  // ---- queries -------------------------------------------------------------------------------

  private entries(subject: string, includeDeleted: boolean): VersionEntry[] {
    const versions = this.subjects.get(subject);
    if (!versions) return [];
    return [...versions.values()].filter((e) => includeDeleted || !e.deleted).sort((a, b) => a.version - b.version);
  }

  private liveEntriesOrThrow(subject: string, includeDeleted = false): VersionEntry[] {
    const entries = this.entries(subject, includeDeleted);
    if (entries.length === 0) throw errors.subjectNotFound(subject);
    return entries;
  }

  private describe(subject: string, entry: VersionEntry): SubjectVersion {
    const stored = this.schemas.get(entry.id)!;
    return {
      subject,
      version: entry.version,
      id: entry.id,
      ...(stored.schemaType !== 'AVRO' ? { schemaType: stored.schemaType } : {}),
      schema: stored.text,
    };
  }

  listSubjects(includeDeleted = false): string[] {
    return [...this.subjects.keys()].filter((s) => this.entries(s, includeDeleted).length > 0).sort();
  }

  listVersions(subject: string, includeDeleted = false): number[] {
    return this.liveEntriesOrThrow(subject, includeDeleted).map((e) => e.version);
  }

  getVersion(subject: string, spec: VersionSpec, includeDeleted = false): SubjectVersion {
    const entries = this.liveEntriesOrThrow(subject, includeDeleted);
    const entry = spec === 'latest' ? entries[entries.length - 1] : entries.find((e) => e.version === spec);
    if (!entry) throw errors.versionNotFound(subject, spec);
    return this.describe(subject, entry);
  }

  lookup(subject: string, request: SchemaRequest, includeDeleted = false): SubjectVersion {
    const entries = this.liveEntriesOrThrow(subject, includeDeleted);
    const parsed = checkSchemaRequest(request);
    const entry = [...entries].reverse().find((e) => this.parsed(e.id)?.canonical === parsed.canonical);
    if (!entry) throw errors.schemaNotFound(`Schema not found under subject '${subject}'`);
    return this.describe(subject, entry);
  }

  getSchemaById(id: number): { schema: string; schemaType?: string } {
    const stored = this.schemas.get(id);
    if (!stored) throw errors.schemaNotFound(`Schema ${id} not found`);
    return { ...(stored.schemaType !== 'AVRO' ? { schemaType: stored.schemaType } : {}), schema: stored.text };
  }

  versionsForId(id: number, includeDeleted = false): Array<{ subject: string; version: number }> {
    if (!this.schemas.has(id)) throw errors.schemaNotFound(`Schema ${id} not found`);
    const out: Array<{ subject: string; version: number }> = [];
    for (const subject of [...this.subjects.keys()].sort()) {
      for (const e of this.entries(subject, includeDeleted)) if (e.id === id) out.push({ subject, version: e.version });
    }
    return out;
  }

  subjectsForId(id: number, includeDeleted = false): string[] {
    return [...new Set(this.versionsForId(id, includeDeleted).map((v) => v.subject))];
  }

  globalCompatibility(): CompatibilityLevel {
    return this.globalLevel;
  }

  subjectCompatibility(subject: string, defaultToGlobal = false): CompatibilityLevel {
    const level = this.subjectLevels.get(subject);
    if (level) return level;
    if (defaultToGlobal) return this.globalLevel;
    throw new RegistryError('subject_level_compatibility_not_configured', `Subject '${subject}' does not have subject-level compatibility configured`);
  }

  /** Checks a schema against a subject without registering it. */
  testCompatibility(subject: string, spec: VersionSpec | undefined, request: SchemaRequest): { is_compatible: boolean; messages: string[] } {
    const candidate = checkSchemaRequest(request);
    const level = this.subjectCompatibility(subject, true);
    const entries = this.entries(subject, false);
    if (spec === undefined) {
      return this.verdict(checkCompatibility({ level, candidate, previous: this.previousOf(entries) }));
    }
    if (entries.length === 0) throw errors.subjectNotFound(subject);
    const entry = spec === 'latest' ? entries[entries.length - 1] : entries.find((e) => e.version === spec);
    if (!entry) throw errors.versionNotFound(subject, spec);
    // Against one named version, transitivity has nothing to add.
    const single = level.replace('_TRANSITIVE', '') as CompatibilityLevel;
    return this.verdict(checkCompatibility({ level: single, candidate, previous: this.previousOf([entry]) }));
  }

  private verdict(result: { compatible: boolean; messages: string[] }): { is_compatible: boolean; messages: string[] } {
    return { is_compatible: result.compatible, messages: result.messages };
  }

  private previousOf(entries: VersionEntry[]): Array<{ version: number; schema: ParsedSchema }> {
    return entries.flatMap((e) => {
      const schema = this.parsed(e.id);
      return schema ? [{ version: e.version, schema }] : [];
    });
  }

  /** Current counts, for metrics. */
  size(): { subjects: number; schemas: number; maxId: number } {
    return { subjects: this.listSubjects().length, schemas: this.schemas.size, maxId: this.maxId };
  }

  // ---- commands ------------------------------------------------------------------------------

  register(subject: string, request: SchemaRequest): Mutation<{ id: number }> {
    const candidate = checkSchemaRequest(request);
    const all = this.entries(subject, true);
    const live = all.filter((e) => !e.deleted);
    const existing = [...live].reverse().find((e) => this.parsed(e.id)?.canonical === candidate.canonical);
    if (existing) return { records: [], result: { id: existing.id } };

    const level = this.subjectCompatibility(subject, true);
    const check = checkCompatibility({ level, candidate, previous: this.previousOf(live) });
    if (!check.compatible) {
      throw new RegistryError(
        'incompatible_schema',
        `Schema being registered is incompatible with an earlier schema for subject "${subject}" (${level}), details: ${check.messages.join('; ')}`,
      );
    }
    const knownId = this.idByCanonical.get(candidate.canonical);
    const id = knownId ?? this.maxId + 1;
    const version = (all[all.length - 1]?.version ?? 0) + 1;
    const records: RegistryRecord[] = [
      { key: { keytype: 'SCHEMA', subject, version, magic: 1 }, value: { subject, version, id, schema: candidate.canonical, deleted: false } },
    ];
    if (knownId === undefined) records.push({ key: { keytype: 'ID_WATERMARK', magic: 0 }, value: { maxId: id } });
    return { records, result: { id } };
  }

  deleteSubject(subject: string, permanent: boolean): Mutation<number[]> {
    const all = this.entries(subject, true);
    if (all.length === 0) throw errors.subjectNotFound(subject);
    const live = all.filter((e) => !e.deleted);
    if (!permanent) {
      if (live.length === 0) throw new RegistryError('subject_soft_deleted', `Subject '${subject}' was soft deleted. Set permanent=true to delete permanently`);
      return {
        records: live.map((e) => this.schemaRecord(subject, e, true)),
        result: live.map((e) => e.version),
      };
    }
    if (live.length > 0) throw new RegistryError('subject_not_soft_deleted', `Subject '${subject}' was not deleted first before being permanently deleted`);
    const records: RegistryRecord[] = all.map((e) => ({ key: { keytype: 'SCHEMA', subject, version: e.version, magic: 1 }, value: null }));
    if (this.subjectLevels.has(subject)) records.push({ key: { keytype: 'CONFIG', subject, magic: 0 }, value: null });
    return { records, result: all.map((e) => e.version) };
  }

  deleteVersion(subject: string, spec: VersionSpec, permanent: boolean): Mutation<number> {
    const all = this.entries(subject, true);
    if (all.length === 0) throw errors.subjectNotFound(subject);
    const entry = spec === 'latest' ? all.filter((e) => !e.deleted).pop() : all.find((e) => e.version === spec);
    if (!entry) throw errors.versionNotFound(subject, spec);
    if (!permanent) {
      if (entry.deleted) {
        throw new RegistryError('version_soft_deleted', `Version ${entry.version} of subject '${subject}' was soft deleted. Set permanent=true to delete permanently`);
      }
      return { records: [this.schemaRecord(subject, entry, true)], result: entry.version };
    }
    if (!entry.deleted) {
      throw new RegistryError('version_not_soft_deleted', `Version ${entry.version} of subject '${subject}' was not deleted first before being permanently deleted`);
    }
    return { records: [{ key: { keytype: 'SCHEMA', subject, version: entry.version, magic: 1 }, value: null }], result: entry.version };
  }

  private schemaRecord(subject: string, entry: VersionEntry, deleted: boolean): RegistryRecord {
    const stored = this.schemas.get(entry.id)!;
    return {
      key: { keytype: 'SCHEMA', subject, version: entry.version, magic: 1 },
      value: {
        subject,
        version: entry.version,
        id: entry.id,
        ...(stored.schemaType !== 'AVRO' ? { schemaType: stored.schemaType } : {}),
        schema: stored.text,
        deleted,
      },
    };
  }

  setCompatibility(subject: string | null, level: CompatibilityLevel): Mutation<{ compatibility: CompatibilityLevel }> {
    return { records: [{ key: { keytype: 'CONFIG', subject, magic: 0 }, value: { compatibilityLevel: level } }], result: { compatibility: level } };
  }

  deleteSubjectCompatibility(subject: string): Mutation<{ compatibilityLevel: CompatibilityLevel }> {
    const level = this.subjectCompatibility(subject);
    return { records: [{ key: { keytype: 'CONFIG', subject, magic: 0 }, value: null }], result: { compatibilityLevel: level } };
  }
}

export { compatibilityLevels };
