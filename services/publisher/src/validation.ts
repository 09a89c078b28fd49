// Request bodies checked against the component schemas of the OpenAPI document (openapi.ts),
// compiled once with Ajv, and Ajv's errors turned into `{ path, message }` a client can act on.
import { Ajv2020, type DefinedError, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import {
  componentSchemas,
  provenanceAttributes,
  schemaRef,
  type EventTypeCreateBody,
  type EventTypeUpdateBody,
  type JsonSchema,
  type ProvenanceAttribute,
  type PublishEventBody,
  type PublishRequestBody,
} from './openapi.js';

export type { EventTypeCreateBody, EventTypeUpdateBody, PublishEventBody, PublishRequestBody };

/** One problem with a body: where (a JSON pointer into it, e.g. `/0/data`) and what. */
export interface ValidationError {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

/** `provenance`: the body sets attributes Herald stamps (answered `provenance_not_allowed`); `errors` names only those. */
export type PublishValidationResult = { ok: true; value: PublishRequestBody } | { ok: false; provenance: boolean; errors: ValidationError[] };

// strict: a keyword Ajv does not know, or a type a keyword cannot apply to, is a mistake in
// openapi.ts and fails at start. Union types (`schema`: object, array or string) are allowed.
const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
// ajv-formats is CommonJS: under NodeNext its default import is the module object.
ajvFormats.default(ajv);
// Not JSON Schema: the place in the OpenAPI document that `#/components/schemas/…` refs point into.
ajv.addVocabulary(['components']);

function compile<T>(schema: JsonSchema): ValidateFunction<T> {
  // Each compiled schema carries the components, so its refs resolve as they do in the document.
  return ajv.compile<T>({ ...schema, components: { schemas: componentSchemas } });
}

/** A validator for any schema of the document's dialect, e.g. `schemaRef('EventType')`, with readable errors. */
export function compileValidator<T>(schema: JsonSchema): (value: unknown) => ValidationResult<T> {
  const validate = compile<T>(schema);
  return (value) => (validate(value) ? { ok: true, value } : { ok: false, errors: toValidationErrors(validate.errors ?? []) });
}

export const validateEventTypeCreate: (body: unknown) => ValidationResult<EventTypeCreateBody> = compileValidator(schemaRef('EventTypeCreate'));

export const validateEventTypeUpdate: (body: unknown) => ValidationResult<EventTypeUpdateBody> = compileValidator(schemaRef('EventTypeUpdate'));

const publishRequest = compile<PublishRequestBody>(schemaRef('PublishRequest'));
const publishEvent = compile<PublishEventBody>(schemaRef('PublishEvent'));
const publishEventBatch = compile<PublishEventBody[]>(schemaRef('PublishEventBatch'));

export function validatePublishRequest(body: unknown): PublishValidationResult {
  if (publishRequest(body)) return { ok: true, value: body };
  // A failed oneOf reports the errors of every branch; the body's shape says which one the
  // client meant, so only that branch's errors are worth reading.
  const branch = Array.isArray(body) ? publishEventBatch : isJsonObject(body) ? publishEvent : undefined;
  if (branch === undefined) return { ok: false, provenance: false, errors: [{ path: '', message: 'must be an event object or a non-empty array of event objects' }] };
  const errors = (branch(body) ? undefined : branch.errors) ?? publishRequest.errors ?? [];
  const provenance = errors.filter(isProvenanceError);
  if (provenance.length > 0) return { ok: false, provenance: true, errors: dedupe(provenance.map(describeProvenance)) };
  return { ok: false, provenance: false, errors: toValidationErrors(errors) };
}

// --- From Ajv's errors to readable ones ------------------------------------------------------

const stampedBy: Record<ProvenanceAttribute, string> = {
  source: 'from the authenticated principal',
  type: 'from the event type in the URL',
  specversion: 'as CloudEvents 1.0',
  recordedtime: 'when it records the event',
  authtype: 'from the authenticated principal',
  authid: 'from the authenticated principal',
  dataschema: 'from the schema it encodes the data with',
  datacontenttype: 'as it encodes the data',
};

function isProvenanceAttribute(name: unknown): name is ProvenanceAttribute {
  return (provenanceAttributes as readonly unknown[]).includes(name);
}

// `data` has no schema, so every unknown property in a publish body is one of an event's.
function isProvenanceError(error: ErrorObject): boolean {
  return error.keyword === 'additionalProperties' && isProvenanceAttribute(error.params.additionalProperty);
}

function describeProvenance(error: ErrorObject): ValidationError {
  const name = error.params.additionalProperty as ProvenanceAttribute;
  return { path: childPointer(error.instancePath, name), message: `${name} is stamped by Herald ${stampedBy[name]}; remove it` };
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function childPointer(pointer: string, property: string): string {
  return `${pointer}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

const orList = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * The path names the property concerned, also when it is missing or unknown (`/0/data`), so a
 * client can put the message next to the field; Ajv points at the enclosing object instead.
 */
function describe(error: DefinedError): ValidationError {
  const at = (message: string) => ({ path: error.instancePath, message });
  switch (error.keyword) {
    case 'required':
      return { path: childPointer(error.instancePath, error.params.missingProperty), message: `must have required property '${error.params.missingProperty}'` };
    case 'additionalProperties':
      return { path: childPointer(error.instancePath, error.params.additionalProperty), message: `unknown property '${error.params.additionalProperty}'` };
    case 'type': {
      const types: unknown = error.params.type;
      return at(`must be ${orList(Array.isArray(types) ? types.map(String) : String(types).split(','))}`);
    }
    case 'enum':
      return at(`must be one of ${error.params.allowedValues.map((value: unknown) => JSON.stringify(value)).join(', ')}`);
    case 'const':
      return at(`must be ${JSON.stringify(error.params.allowedValue)}`);
    case 'minItems':
      return at(`must have at least ${plural(error.params.limit, 'item')}`);
    case 'maxItems':
      return at(`must have at most ${plural(error.params.limit, 'item')}`);
    case 'minLength':
      return at(error.params.limit === 1 ? 'must not be empty' : `must be at least ${plural(error.params.limit, 'character')} long`);
    case 'maxLength':
      return at(`must be at most ${plural(error.params.limit, 'character')} long`);
    default:
      return at(error.message ?? 'is invalid');
  }
}

/**
 * Readable errors, in Ajv's order, without repeats. A failed anyOf/oneOf and the errors of its
 * branches become one message naming the alternatives ("must be -1 or must be >= 3600000").
 */
function toValidationErrors(errors: readonly ErrorObject[]): ValidationError[] {
  const alternatives = errors.filter((error) => (error.keyword === 'anyOf' || error.keyword === 'oneOf') && error.params.passingSchemas == null);
  const branchOf = (error: ErrorObject) => alternatives.find((alternative) => error.schemaPath.startsWith(`${alternative.schemaPath}/`));
  const described: ValidationError[] = [];
  for (const error of errors) {
    if (branchOf(error)) continue;
    if (!alternatives.includes(error)) {
      described.push(describe(error as DefinedError));
      continue;
    }
    // Branch errors sit under `<schemaPath>/<branch index>/…`.
    const branches = new Map<string, string[]>();
    for (const inner of errors.filter((candidate) => branchOf(candidate) === error)) {
      const index = inner.schemaPath.slice(error.schemaPath.length + 1).split('/')[0] ?? '';
      branches.set(index, [...(branches.get(index) ?? []), describe(inner as DefinedError).message]);
    }
    const message = [...new Set([...branches.values()].map((messages) => messages.join(' and ')))].join(' or ');
    described.push({ path: error.instancePath, message: message || (error.message ?? 'is invalid') });
  }
  return dedupe(described);
}

function dedupe(errors: readonly ValidationError[]): ValidationError[] {
  const seen = new Set<string>();
  return errors.filter(({ path, message }) => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
