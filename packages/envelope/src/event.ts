// The Herald event: CloudEvents 1.0 context attributes plus the already-encoded data bytes,
// and the rules every attribute is checked against before it reaches Kafka or after it
// comes back.
import { EnvelopeError, type EnvelopeProblem } from './errors.js';
import { checkCloudEventsString, checkMediaType, checkTimestamp, checkTraceparent, checkUri, checkUriReference, quote } from './syntax.js';

/** Who caused the event: the `authtype` values of the CloudEvents authcontext extension. */
export const AUTH_TYPES = ['app_user', 'user', 'service_account', 'api_key', 'system', 'unauthenticated', 'unknown'] as const;

export type AuthType = (typeof AUTH_TYPES)[number];

export interface HeraldAttributes {
  specversion: '1.0';
  /** Unique per source: `(source, id)` identifies the event. */
  id: string;
  /** URI-reference of the emitting source, stamped from the authenticated producer. */
  source: string;
  /** Event type name, e.g. `com.acme.rides.ride.requested`. */
  type: string;
  /** When the thing happened (RFC 3339); the publisher stamps it when the producer did not. */
  time: string;
  /** When the platform recorded the event (RFC 3339), stamped by the publisher. */
  recordedtime: string;
  /** The entity the event is about. */
  subject?: string;
  /** The Kafka record key: same key, same partition, order kept. */
  partitionkey: string;
  /** Absolute URI of the data's schema in the registry. */
  dataschema?: string;
  /** Media type of `data`, e.g. `application/avro`; travels as the `content-type` header. */
  datacontenttype: string;
  authtype: AuthType;
  authid?: string;
  /** Notification events: URI-reference of where to fetch the state. */
  dataref?: string;
  /** W3C trace context. */
  traceparent?: string;
  /** Per-key sequence or entity version. */
  sequence?: string;
}

export interface HeraldEvent extends HeraldAttributes {
  /** The encoded data (Avro in the Confluent wire format, normally); opaque to the envelope. */
  data: Buffer;
}

interface AttributeRule {
  required: boolean;
  /**
   * Cap on the UTF-8 size of the value. Attributes ride as headers on every record, so they
   * are bounded; the caps are generous for legitimate values. Fixed-format attributes need none.
   */
  maxBytes?: number;
  /** The grammar of the value: the reason it is wrong, or undefined. */
  check?: (value: string) => string | undefined;
}

// Segments of lowercase letters, digits, "-" and "_", at least a reverse domain and a name.
const EVENT_TYPE_NAME = /^[a-z][a-z0-9_-]*(?:\.[a-z][a-z0-9_-]*){2,}$/;

function checkEventTypeName(value: string): string | undefined {
  return EVENT_TYPE_NAME.test(value)
    ? undefined
    : `must be a reverse-DNS name of at least three lowercase dot-separated segments such as "com.acme.rides.ride.requested", got ${quote(value)}`;
}

function checkSpecversion(value: string): string | undefined {
  return value === '1.0' ? undefined : `must be "1.0", got ${quote(value)}`;
}

function checkAuthType(value: string): string | undefined {
  return (AUTH_TYPES as readonly string[]).includes(value) ? undefined : `must be one of ${AUTH_TYPES.join(', ')}, got ${quote(value)}`;
}

// `-?` makes leaving an attribute out of this table a compile error.
const ATTRIBUTE_RULES: { readonly [Name in keyof HeraldAttributes]-?: AttributeRule } = {
  specversion: { required: true, check: checkSpecversion },
  id: { required: true, maxBytes: 256 },
  source: { required: true, maxBytes: 2048, check: checkUriReference },
  // A Herald event type is stored in the topic `events.<type>`; Kafka topic names stop at 249.
  type: { required: true, maxBytes: 249 - 'events.'.length, check: checkEventTypeName },
  time: { required: true, check: checkTimestamp },
  recordedtime: { required: true, check: checkTimestamp },
  subject: { required: false, maxBytes: 1024 },
  partitionkey: { required: true, maxBytes: 1024 },
  dataschema: { required: false, maxBytes: 2048, check: checkUri },
  datacontenttype: { required: true, maxBytes: 256, check: checkMediaType },
  authtype: { required: true, check: checkAuthType },
  authid: { required: false, maxBytes: 1024 },
  dataref: { required: false, maxBytes: 2048, check: checkUriReference },
  traceparent: { required: false, check: checkTraceparent },
  sequence: { required: false, maxBytes: 256 },
};

/** Every Herald attribute name, in the order records carry them. */
export const ATTRIBUTE_NAMES = Object.keys(ATTRIBUTE_RULES) as readonly (keyof HeraldAttributes)[];

// CloudEvents 1.0: attribute names are lowercase ASCII letters and digits.
const CLOUDEVENTS_ATTRIBUTE_NAME = /^[a-z0-9]+$/;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? quote(value) : typeof value;
}

function attributeProblem(value: unknown, rule: AttributeRule): string | undefined {
  if (typeof value !== 'string') return `must be a string, got ${describe(value)}`;
  if (value === '') return 'must not be empty';
  const bytes = Buffer.byteLength(value);
  if (rule.maxBytes !== undefined && bytes > rule.maxBytes) return `must be at most ${rule.maxBytes} bytes of UTF-8, got ${bytes}`;
  return rule.check?.(value) ?? checkCloudEventsString(value);
}

/**
 * Every problem with a candidate Herald event (attributes and `data`), one per attribute, in
 * attribute order; an empty list means the event is valid. Undefined values count as absent.
 */
export function validateEvent(candidate: unknown): EnvelopeProblem[] {
  if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) {
    return [{ attribute: 'event', reason: `must be an object of attributes and data, got ${describe(candidate)}` }];
  }
  const fields = candidate as Record<string, unknown>;
  const problems: EnvelopeProblem[] = [];
  for (const name of ATTRIBUTE_NAMES) {
    const value = fields[name];
    const rule = ATTRIBUTE_RULES[name];
    const reason = value === undefined ? (rule.required ? 'is required' : undefined) : attributeProblem(value, rule);
    if (reason !== undefined) problems.push({ attribute: name, reason });
  }
  if (!Buffer.isBuffer(fields.data)) {
    problems.push({ attribute: 'data', reason: fields.data === undefined ? 'is required' : `must be a Buffer of encoded bytes, got ${describe(fields.data)}` });
  }
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined || name === 'data' || Object.hasOwn(ATTRIBUTE_RULES, name)) continue;
    problems.push({
      attribute: name,
      reason: CLOUDEVENTS_ATTRIBUTE_NAME.test(name)
        ? 'is not a Herald event attribute'
        : 'is not a Herald event attribute, nor a valid CloudEvents attribute name (lowercase a-z and 0-9 only)',
    });
  }
  return problems;
}

/** Throws an `invalid_event` EnvelopeError carrying every problem, unless the event is valid. */
export function assertValidEvent(candidate: unknown): asserts candidate is HeraldEvent {
  const problems = validateEvent(candidate);
  if (problems.length > 0) throw new EnvelopeError('invalid_event', 'invalid Herald event', { problems });
}
