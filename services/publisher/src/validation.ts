// Request bodies checked against the component schemas of the OpenAPI document (openapi.ts),
// compiled once with Ajv (@herald/runtime's request validation, which also makes Ajv's errors
// readable), and the publisher's own reading of a publish body's errors: provenance.
import { childPointer, createSchemaValidators, dedupeValidationErrors, toValidationErrors, type ErrorObject, type ValidationError, type ValidationResult } from '@herald/runtime';
import { componentSchemas, provenanceAttributes, schemaRef, type EventTypeCreateBody, type EventTypeUpdateBody, type ProvenanceAttribute, type PublishEventBody, type PublishRequestBody } from './openapi.js';

export type { EventTypeCreateBody, EventTypeUpdateBody, PublishEventBody, PublishRequestBody, ValidationError, ValidationResult };

/** `provenance`: the body sets attributes Herald stamps (answered `provenance_not_allowed`); `errors` names only those. */
export type PublishValidationResult = { ok: true; value: PublishRequestBody } | { ok: false; provenance: boolean; errors: ValidationError[] };

const validators = createSchemaValidators(componentSchemas);

/** A validator for any schema of the document's dialect, e.g. `schemaRef('EventType')`, with readable errors. */
export const compileValidator = validators.compileValidator;

export const validateEventTypeCreate: (body: unknown) => ValidationResult<EventTypeCreateBody> = compileValidator(schemaRef('EventTypeCreate'));

export const validateEventTypeUpdate: (body: unknown) => ValidationResult<EventTypeUpdateBody> = compileValidator(schemaRef('EventTypeUpdate'));

const publishRequest = validators.compile<PublishRequestBody>(schemaRef('PublishRequest'));
const publishEvent = validators.compile<PublishEventBody>(schemaRef('PublishEvent'));
const publishEventBatch = validators.compile<PublishEventBody[]>(schemaRef('PublishEventBatch'));

export function validatePublishRequest(body: unknown): PublishValidationResult {
  if (publishRequest(body)) return { ok: true, value: body };
  // A failed oneOf reports the errors of every branch; the body's shape says which one the
  // client meant, so only that branch's errors are worth reading.
  const branch = Array.isArray(body) ? publishEventBatch : isJsonObject(body) ? publishEvent : undefined;
  if (branch === undefined) return { ok: false, provenance: false, errors: [{ path: '', message: 'must be an event object or a non-empty array of event objects' }] };
  const errors = (branch(body) ? undefined : branch.errors) ?? publishRequest.errors ?? [];
  const provenance = errors.filter(isProvenanceError);
  if (provenance.length > 0) return { ok: false, provenance: true, errors: dedupeValidationErrors(provenance.map(describeProvenance)) };
  return { ok: false, provenance: false, errors: toValidationErrors(errors) };
}

// --- Provenance: the attributes Herald stamps itself -----------------------------------------

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
