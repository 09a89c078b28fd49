// Request bodies checked against the component schemas of a service's OpenAPI document,
// compiled with Ajv, and Ajv's errors turned into `{ path, message }` a client can act on.
import { Ajv2020, type DefinedError, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import type { JsonSchema } from './openapi.js';

export type { ErrorObject, ValidateFunction };

/** One problem with a body: where (a JSON pointer into it, e.g. `/failure/retry/jitter`) and what. */
export interface ValidationError {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: ValidationError[] };

/** Validators for the schemas of one document, whose `#/components/schemas/…` refs resolve as they do there. */
export interface SchemaValidators {
  /** Ajv's own validator, for a caller that reads Ajv's errors itself (then toValidationErrors). */
  compile<T>(schema: JsonSchema): ValidateFunction<T>;
  /** A validator for any schema of the document's dialect, e.g. `schemaRef('Subscription')`, with readable errors. */
  compileValidator<T>(schema: JsonSchema): (value: unknown) => ValidationResult<T>;
}

export function createSchemaValidators(componentSchemas: Readonly<Record<string, JsonSchema>>): SchemaValidators {
  // strict: a keyword Ajv does not know, or a type a keyword cannot apply to, is a mistake in
  // the document and fails at start. Union types (e.g. object, array or string) are allowed.
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  // ajv-formats is CommonJS: under NodeNext its default import is the module object.
  ajvFormats.default(ajv);
  // Not JSON Schema: the place in the OpenAPI document that `#/components/schemas/…` refs point into.
  ajv.addVocabulary(['components']);

  // Each compiled schema carries the components, so its refs resolve as they do in the document.
  const compile = <T>(schema: JsonSchema): ValidateFunction<T> => ajv.compile<T>({ ...schema, components: { schemas: componentSchemas } });
  return {
    compile,
    compileValidator<T>(schema: JsonSchema) {
      const validate = compile<T>(schema);
      return (value: unknown): ValidationResult<T> => (validate(value) ? { ok: true, value } : { ok: false, errors: toValidationErrors(validate.errors ?? []) });
    },
  };
}

// --- From Ajv's errors to readable ones ------------------------------------------------------

/** The pointer to `property` of the object at `pointer`, escaped as RFC 6901 says. */
export function childPointer(pointer: string, property: string): string {
  return `${pointer}/${property.replaceAll('~', '~0').replaceAll('/', '~1')}`;
}

const orList = (items: readonly string[]) => (items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`);
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/**
 * The path names the property concerned, also when it is missing or unknown (`/failure/then`),
 * so a client can put the message next to the field; Ajv points at the enclosing object instead.
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
    case 'uniqueItems':
      return at(`must not repeat an item (items ${error.params.j} and ${error.params.i} are the same)`);
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
export function toValidationErrors(errors: readonly ErrorObject[]): ValidationError[] {
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
  return dedupeValidationErrors(described);
}

/** The errors without repeats of the same message at the same path, in their order. */
export function dedupeValidationErrors(errors: readonly ValidationError[]): ValidationError[] {
  const seen = new Set<string>();
  return errors.filter(({ path, message }) => {
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
