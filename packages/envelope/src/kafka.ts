// A Herald event as a Kafka record in CloudEvents binary content mode: the partition key is
// the record key, the data is the value, `datacontenttype` is the `content-type` header and
// every other attribute a `ce_<name>` header (CloudEvents Kafka protocol binding, 3.1 and 3.2).
import { ATTRIBUTE_NAMES, assertValidEvent, validateEvent, type HeraldAttributes, type HeraldEvent } from './event.js';
import { EnvelopeError, type EnvelopeProblem } from './errors.js';
import type { Keyring } from './keyring.js';
import { ATTRIBUTE_HEADER_PREFIX, CONTENT_TYPE_HEADER, headerValues, isCloudEventsHeader, toBytes, type KafkaHeaders, type KafkaRecord } from './record.js';
import { quote } from './syntax.js';
import { SIGNATURE_HEADER, signMessage } from './signature.js';

/** A signed Herald record, ready for kafkajs `producer.send({ topic, messages: [message] })`. */
export interface HeraldKafkaMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

export interface ReceivedEvent {
  event: HeraldEvent;
  /**
   * Every header that is not a CloudEvents one (the signature, routing headers, anything
   * else), exactly as received, so a router can forward the record unchanged.
   */
  transportHeaders: KafkaHeaders;
}

/** Validates the event (throwing an `invalid_event` EnvelopeError) and maps it to a signed record. */
export function toKafkaMessage(event: HeraldEvent, keyring: Keyring): HeraldKafkaMessage {
  assertValidEvent(event);
  const headers: Record<string, string> = { [CONTENT_TYPE_HEADER]: event.datacontenttype };
  for (const name of ATTRIBUTE_NAMES) {
    const value = event[name];
    if (name !== 'datacontenttype' && value !== undefined) headers[`${ATTRIBUTE_HEADER_PREFIX}${name}`] = value;
  }
  const message: HeraldKafkaMessage = { key: event.partitionkey, value: event.data, headers };
  headers[SIGNATURE_HEADER] = signMessage(message, keyring);
  return message;
}

// Header values must be UTF-8 (binding 3.2.3); a lossy decode would change the attribute.
function decodeUtf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/** Maps one CloudEvents header to its attribute, or says why it cannot be one. */
function readAttributeHeader(name: string, raw: KafkaHeaders[string]): { attribute: string; value?: string; problem?: string } {
  if (name !== name.toLowerCase()) {
    return { attribute: name, problem: 'is a CloudEvents header name in the wrong case: the Kafka binding uses lowercase names, and Kafka header names are case-sensitive' };
  }
  if (name === CONTENT_TYPE_HEADER) return readSingleValue('datacontenttype', raw);
  const attribute = name.slice(ATTRIBUTE_HEADER_PREFIX.length);
  if (attribute === 'datacontenttype') {
    return { attribute, problem: 'must travel in the content-type header, not in ce_datacontenttype (CloudEvents Kafka binding 3.2.1)' };
  }
  return readSingleValue(attribute, raw);
}

function readSingleValue(attribute: string, raw: KafkaHeaders[string]): { attribute: string; value?: string; problem?: string } {
  const values = headerValues(raw);
  if (values.length !== 1 || values[0] === undefined) return { attribute, problem: `must be a single header, got ${values.length}` };
  const value = decodeUtf8(toBytes(values[0]));
  return value === undefined ? { attribute, problem: 'must be UTF-8 (CloudEvents Kafka binding 3.2.3)' } : { attribute, value };
}

/**
 * Reads a Herald event from a consumed record (header values as Buffers, strings or arrays,
 * as kafkajs delivers them) and validates it, throwing an `invalid_message` EnvelopeError with
 * every problem. It does not check the signature: that is `verifyMessage`.
 */
export function fromKafkaMessage(record: KafkaRecord): ReceivedEvent {
  const problems: EnvelopeProblem[] = [];
  // No prototype, so a `ce___proto__` header becomes an attribute validation reports.
  const fields: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const transportHeaders: KafkaHeaders = {};

  for (const [name, raw] of Object.entries(record.headers ?? {})) {
    if (raw === undefined) continue;
    if (!isCloudEventsHeader(name)) {
      transportHeaders[name] = raw;
      continue;
    }
    const { attribute, value, problem } = readAttributeHeader(name, raw);
    if (problem !== undefined) problems.push({ attribute, reason: problem });
    else fields[attribute] = value;
  }
  if (record.value !== null) fields.data = toBytes(record.value);

  // An attribute whose header was unreadable is reported once, not again as missing.
  const unreadable = new Set(problems.map((problem) => problem.attribute));
  problems.push(...validateEvent(fields).filter((problem) => !unreadable.has(problem.attribute)));

  // Herald keys every record by its partition key, and the CloudEvents SDKs read
  // `partitionkey` from the record key: the two must agree.
  if (typeof fields.partitionkey === 'string') {
    if (record.key === null || record.key === undefined) {
      problems.push({ attribute: 'partitionkey', reason: 'must also be the record key, but the record has no key' });
    } else if (!toBytes(record.key).equals(Buffer.from(fields.partitionkey, 'utf8'))) {
      problems.push({ attribute: 'partitionkey', reason: `must equal the record key, got key ${quote(toBytes(record.key).toString('utf8'))}` });
    }
  }

  if (problems.length > 0) throw new EnvelopeError('invalid_message', 'invalid Herald record', { problems });
  // validateEvent found nothing wrong, so the fields are a HeraldEvent.
  return { event: { ...fields } as unknown as HeraldEvent, transportHeaders };
}

/**
 * The attributes of a record whose signature has just verified (`verifyMessage`), read as they
 * are: the CloudEvents headers as UTF-8 strings, without the validation `fromKafkaMessage` does.
 * The signature covers every one of those headers, and the publisher validated them before it
 * signed, so checking them again on every consumed record buys nothing. Never use it on a
 * record whose signature was not checked.
 */
export function readVerifiedAttributes(record: KafkaRecord): HeraldAttributes {
  const fields: Record<string, string> = {};
  const headers = record.headers ?? {};
  for (const name in headers) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (value === undefined) continue;
    if (name === CONTENT_TYPE_HEADER) fields.datacontenttype = value.toString();
    else if (name.startsWith(ATTRIBUTE_HEADER_PREFIX)) fields[name.slice(ATTRIBUTE_HEADER_PREFIX.length)] = value.toString();
  }
  return fields as unknown as HeraldAttributes;
}
