// Kafka records as the envelope sees them: the shapes kafkajs produces and consumes, and
// which headers belong to the CloudEvent rather than to the transport.

export type HeaderValue = Buffer | string;

/** Record headers as kafkajs delivers them: a name repeated on the wire arrives as an array. */
export type KafkaHeaders = Record<string, HeaderValue | HeaderValue[] | undefined>;

/** A Kafka record to read or verify; a kafkajs `KafkaMessage` is one. */
export interface KafkaRecord {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: KafkaHeaders;
}

export const CONTENT_TYPE_HEADER = 'content-type';
export const ATTRIBUTE_HEADER_PREFIX = 'ce_';

/**
 * Whether a header carries (or pretends to carry) a CloudEvents attribute. Kafka header
 * names are case-sensitive, but a consumer may not be, so `CE_Type` counts as one too.
 */
export function isCloudEventsHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return lower === CONTENT_TYPE_HEADER || lower.startsWith(ATTRIBUTE_HEADER_PREFIX);
}

export function headerValues(value: HeaderValue | HeaderValue[] | undefined): HeaderValue[] {
  return value === undefined ? [] : [value].flat();
}

export function toBytes(value: HeaderValue): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8');
}
