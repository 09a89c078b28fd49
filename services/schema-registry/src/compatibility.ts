// Compatibility of a new schema with the live versions of its subject, as Confluent's
// levels define it. Whether a reader can read a writer's data is decided by avsc's schema
// resolution; a walker that follows the same rules says why not, in messages that name the
// field, the version and the reason.
//
// Where avsc departs from the Avro specification, this module follows avsc:
// - named types (record, enum, fixed) match on their full name or a reader alias; the spec
//   matches unqualified names, so avsc refuses a namespace change the spec allows (Avro
//   Java's SchemaCompatibility, which Confluent uses, compares full names as avsc does);
// - every branch of a writer union must be readable; the spec only fails when data of an
//   unreadable branch is actually read;
// - a reader union is resolved by the first branch that resolves completely; the spec takes
//   the first branch that matches at the top level and fails if it does not resolve;
// - logical types are ignored (avsc is given no logical type implementations), so decimals
//   of different precision or scale resolve; the spec wants them equal;
// - a reader field whose name and aliases match several writer fields is refused; the spec
//   says nothing about it.
import avro from 'avsc';
import type { Type, types } from 'avsc';
import { describeType, shortName, unionBranches, type ParsedSchema } from './avro.js';

export const compatibilityLevels = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof compatibilityLevels)[number];

export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (compatibilityLevels as readonly string[]).includes(value);
}

/** A live (not deleted) version of the subject. */
export interface SchemaVersion {
  readonly version: number;
  readonly schema: ParsedSchema;
}

export interface CompatibilityCheck {
  readonly level: CompatibilityLevel;
  /** The schema being registered or tested. */
  readonly candidate: ParsedSchema;
  /** The subject's live versions, oldest first. */
  readonly previous: readonly SchemaVersion[];
}

export interface CompatibilityResult {
  readonly compatible: boolean;
  /** Why not, one message per problem, newest version first; empty when compatible. */
  readonly messages: string[];
}

/**
 * BACKWARD: the new schema can read data written with a version.
 * FORWARD: a version can read data written with the new schema.
 */
type Direction = 'BACKWARD' | 'FORWARD';

const rules: Record<CompatibilityLevel, { directions: readonly Direction[]; transitive: boolean }> = {
  NONE: { directions: [], transitive: false },
  BACKWARD: { directions: ['BACKWARD'], transitive: false },
  BACKWARD_TRANSITIVE: { directions: ['BACKWARD'], transitive: true },
  FORWARD: { directions: ['FORWARD'], transitive: false },
  FORWARD_TRANSITIVE: { directions: ['FORWARD'], transitive: true },
  FULL: { directions: ['BACKWARD', 'FORWARD'], transitive: false },
  FULL_TRANSITIVE: { directions: ['BACKWARD', 'FORWARD'], transitive: true },
};

/** Checks the candidate against the latest version or, for *_TRANSITIVE, against every version. */
export function checkCompatibility({ level, candidate, previous }: CompatibilityCheck): CompatibilityResult {
  const { directions, transitive } = rules[level];
  const versions = (transitive ? previous : previous.slice(-1)).toReversed();
  const messages = versions.flatMap(({ version, schema }) =>
    directions.flatMap((direction) => {
      const [reader, writer] = direction === 'BACKWARD' ? [candidate, schema] : [schema, candidate];
      return explainUnreadable(reader, writer, { direction, version });
    }),
  );
  return { compatible: messages.length === 0, messages };
}

/** avsc's verdict: can data written with `writer` be read with `reader`? */
export function canRead(reader: ParsedSchema, writer: ParsedSchema): boolean {
  return resolutionError(reader.type, writer.type) === undefined;
}

/** A reason a reader cannot read a writer's data. `at` is a field path such as `Ride.fare` ('' for the top level). */
export type Incompatibility =
  | { kind: 'missing-field'; at: string; type: string }
  | { kind: 'ambiguous-field'; at: string; writerFields: string[] }
  | { kind: 'type-changed'; at: string; reader: string; writer: string }
  | { kind: 'renamed'; at: string; namedType: NamedType; reader: string; writer: string }
  | { kind: 'missing-symbols'; at: string; enumName: string; symbols: string[] }
  | { kind: 'size-changed'; at: string; fixedName: string; reader: number; writer: number }
  | { kind: 'no-branch-for'; at: string; written: string; readerUnion: string }
  | { kind: 'unreadable-branch'; at: string; branch: string; writerUnion: string; reader: string };

type NamedType = 'record' | 'enum' | 'fixed';

/**
 * Walks reader and writer the way avsc's `createResolver` does and lists every reason the
 * resolution fails (avsc stops at the first). Empty exactly when `canRead` is true, on
 * everything the tests try; `checkCompatibility` still lets avsc decide.
 */
export function findIncompatibilities(reader: ParsedSchema, writer: ParsedSchema): Incompatibility[] {
  return explain(reader.type, writer.type, '', new Set());
}

function explainUnreadable(reader: ParsedSchema, writer: ParsedSchema, context: MessageContext): string[] {
  const refusal = resolutionError(reader.type, writer.type);
  if (refusal === undefined) return [];
  const found = findIncompatibilities(reader, writer);
  if (found.length === 0) {
    const [readerSide, writerSide] = sides(context);
    return [`${context.direction}: ${readerSide} cannot read data written by ${writerSide} (${refusal.message})`];
  }
  return found.map((incompatibility) => describeIncompatibility(incompatibility, context));
}

function resolutionError(reader: Type, writer: Type): Error | undefined {
  try {
    reader.createResolver(writer);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

// Reader type name → writer types it can read besides its own (the spec's promotions).
const promotions: Record<string, readonly string[] | undefined> = {
  long: ['int'],
  float: ['int', 'long'],
  double: ['int', 'long', 'float'],
  string: ['bytes'],
  bytes: ['string'],
};

/**
 * `resolving` holds the record pairs (reader name:writer name) already entered. A pair seen
 * again is not walked again: that is what ends recursive types, and it mirrors avsc, which
 * registers a record pair's resolver before resolving its fields.
 */
function explain(reader: Type, writer: Type, at: string, resolving: Set<string>): Incompatibility[] {
  const writerBranches = unionBranches(writer);
  if (writerBranches !== undefined) {
    return writerBranches.flatMap((branch) => explainWriterBranch(reader, branch, writer, at, resolving));
  }
  const readerBranches = unionBranches(reader);
  if (readerBranches !== undefined) return explainReaderUnion(reader, readerBranches, writer, at, resolving);

  if (reader instanceof avro.types.RecordType && writer instanceof avro.types.RecordType) {
    return explainRecord(reader, writer, at, resolving);
  }
  if (reader instanceof avro.types.EnumType && writer instanceof avro.types.EnumType) {
    if (!readsName(reader, writer)) return [renamed('enum', reader, writer, at)];
    const missing = writer.symbols.filter((symbol) => !reader.symbols.includes(symbol));
    // avsc keeps an enum's default on the type; its typings leave it out.
    const readerDefault = (reader as types.EnumType & { default?: string }).default;
    if (missing.length === 0 || readerDefault !== undefined) return [];
    return [{ kind: 'missing-symbols', at, enumName: describeType(reader), symbols: missing }];
  }
  if (reader instanceof avro.types.FixedType && writer instanceof avro.types.FixedType) {
    if (!readsName(reader, writer)) return [renamed('fixed', reader, writer, at)];
    if (reader.size === writer.size) return [];
    return [{ kind: 'size-changed', at, fixedName: describeType(reader), reader: reader.size, writer: writer.size }];
  }
  if (reader instanceof avro.types.ArrayType && writer instanceof avro.types.ArrayType) {
    return explain(reader.itemsType, writer.itemsType, `${at}[]`, resolving);
  }
  if (reader instanceof avro.types.MapType && writer instanceof avro.types.MapType) {
    return explain(reader.valuesType, writer.valuesType, `${at}{}`, resolving);
  }
  if (reader.typeName === writer.typeName || promotions[reader.typeName]?.includes(writer.typeName)) return [];
  return [{ kind: 'type-changed', at, reader: describeType(reader), writer: describeType(writer) }];
}

function explainRecord(reader: types.RecordType, writer: types.RecordType, at: string, resolving: Set<string>): Incompatibility[] {
  const pair = `${reader.name}:${writer.name}`;
  if (resolving.has(pair)) return [];
  resolving.add(pair);
  if (!readsName(reader, writer)) return [renamed('record', reader, writer, at)];

  const record = shortName(describeType(reader));
  const writerFields = new Map(writer.fields.map((field) => [field.name, field]));
  return reader.fields.flatMap((field): Incompatibility[] => {
    const path = `${record}.${field.name}`;
    const matches = [...new Set([field.name, ...field.aliases])].filter((name) => writerFields.has(name));
    if (matches.length > 1) return [{ kind: 'ambiguous-field', at: path, writerFields: matches }];
    const writerField = matches[0] === undefined ? undefined : writerFields.get(matches[0]);
    if (writerField === undefined) {
      return field.defaultValue() === undefined ? [{ kind: 'missing-field', at: path, type: describeType(field.type) }] : [];
    }
    return explain(field.type, writerField.type, path, resolving);
  });
}

/** Like avsc, tries the reader's branches in order and stops at the first that reads the writer. */
function explainReaderUnion(
  readerUnion: Type,
  readerBranches: readonly Type[],
  writer: Type,
  at: string,
  resolving: Set<string>,
): Incompatibility[] {
  const attempts: Array<{ branch: Type; found: Incompatibility[] }> = [];
  for (const branch of readerBranches) {
    const found = explain(branch, writer, at, resolving);
    if (found.length === 0) return [];
    attempts.push({ branch, found });
  }
  // A branch of the writer's kind and name (the same record, say) explains best; without
  // one, the writer's type simply has no place in the union.
  const counterpart = attempts.find(({ branch }) => sameKind(branch, writer) && readsName(branch, writer));
  return counterpart?.found ?? [{ kind: 'no-branch-for', at, written: describeType(writer), readerUnion: describeType(readerUnion) }];
}

function explainWriterBranch(reader: Type, branch: Type, writerUnion: Type, at: string, resolving: Set<string>): Incompatibility[] {
  const found = explain(reader, branch, at, resolving);
  // A reader of another kind than the branch (string for a null branch, say) cannot be
  // explained deeper: what matters is that this branch of the union is unreadable.
  if (found.length === 0 || unionBranches(reader) !== undefined || sameKind(reader, branch)) return found;
  return [{ kind: 'unreadable-branch', at, branch: describeType(branch), writerUnion: describeType(writerUnion), reader: describeType(reader) }];
}

function renamed(namedType: NamedType, reader: Type, writer: Type, at: string): Incompatibility {
  return { kind: 'renamed', at, namedType, reader: describeType(reader), writer: describeType(writer) };
}

/** avsc's name rule: the writer's full name is the reader's full name or one of its aliases. */
function readsName(reader: Type, writer: Type): boolean {
  return writer.name === undefined || writer.name === reader.name || (reader.aliases ?? []).includes(writer.name);
}

function sameKind(a: Type, b: Type): boolean {
  return kindOf(a) === kindOf(b);
}

function kindOf(type: Type): string {
  // avsc reads records as errors and back.
  return type.typeName === 'error' ? 'record' : type.typeName;
}

interface MessageContext {
  readonly direction: Direction;
  readonly version: number;
}

/** How the reader and the writer are named in messages. */
function sides({ direction, version }: MessageContext): [reader: string, writer: string] {
  return direction === 'BACKWARD' ? ['the new schema', `version ${version}`] : [`version ${version}`, 'the new schema'];
}

function describeIncompatibility(incompatibility: Incompatibility, context: MessageContext): string {
  const [reader, writer] = sides(context);
  const where = location(incompatibility.at);
  const detail = ((): string => {
    switch (incompatibility.kind) {
      case 'missing-field':
        return `reader field '${incompatibility.at}' (${incompatibility.type}) of ${reader} has no default and is missing from ${writer}`;
      case 'ambiguous-field':
        return `reader field '${incompatibility.at}' of ${reader} matches several fields of ${writer} through its name and aliases: ${quoted(incompatibility.writerFields)}`;
      case 'type-changed': {
        const [before, after] =
          context.direction === 'BACKWARD' ? [incompatibility.writer, incompatibility.reader] : [incompatibility.reader, incompatibility.writer];
        return (
          `type of ${where} changed from ${before} in version ${context.version} to ${after} in the new schema, ` +
          `and ${incompatibility.reader} cannot read ${incompatibility.writer}`
        );
      }
      case 'renamed':
        return (
          `${incompatibility.namedType} at ${where} is named '${incompatibility.writer}' in ${writer} ` +
          `but '${incompatibility.reader}' in ${reader}, which has no alias '${incompatibility.writer}'`
        );
      case 'missing-symbols': {
        const symbols = incompatibility.symbols.length === 1 ? 'symbol' : 'symbols';
        return (
          `reader enum '${incompatibility.enumName}' at ${where} of ${reader} lacks ${symbols} ${quoted(incompatibility.symbols)} ` +
          `written by ${writer} and has no default`
        );
      }
      case 'size-changed':
        return (
          `fixed '${incompatibility.fixedName}' at ${where} has size ${incompatibility.writer} in ${writer} ` +
          `but size ${incompatibility.reader} in ${reader}`
        );
      case 'no-branch-for':
        return `${incompatibility.written} written at ${where} by ${writer} matches no branch of ${incompatibility.readerUnion} in ${reader}`;
      case 'unreadable-branch':
        return (
          `branch ${incompatibility.branch} of ${incompatibility.writerUnion} written at ${where} by ${writer} ` +
          `cannot be read as ${incompatibility.reader} by ${reader}`
        );
    }
  })();
  return `${context.direction}: ${detail}`;
}

function location(at: string): string {
  return at === '' ? 'the top level' : `field '${at}'`;
}

function quoted(names: readonly string[]): string {
  return names.map((name) => `'${name}'`).join(', ');
}
