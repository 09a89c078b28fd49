// The benchmark's event: a record of an id (also its partition key) and a payload string, so
// that its Avro value in Confluent wire format is exactly 1 KiB. Herald gets it as JSON over
// HTTP; the raw baseline sends the same bytes Herald would write, with the same headers.
import { randomBytes } from 'node:crypto';
import { toKafkaMessage, uuidv7, type Keyring } from '@herald/envelope';

export const eventTypeName = 'bench.herald.payload.recorded';

export const payloadSchema = {
  type: 'record',
  name: 'Payload',
  namespace: 'bench.herald',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'payload', type: 'string' },
  ],
};

/** Every id is a UUIDv7: 36 characters. */
const ID_CHARS = 36;
/** Wire format (1 + 4) + id (1-byte length + 36) + payload (2-byte length + 980) = 1024 bytes. */
export const PAYLOAD_CHARS = 980;
export const VALUE_BYTES = 1024;

// Printable, JSON-safe, incompressible enough; the same text in every event (no compression is used).
export const payloadText = randomBytes(PAYLOAD_CHARS).toString('base64url').slice(0, PAYLOAD_CHARS);

/** Avro long/int: zigzag varint. */
function varint(n: number): number[] {
  const bytes: number[] = [];
  let z = n * 2;
  while (z >= 0x80) {
    bytes.push((z & 0x7f) | 0x80);
    z = Math.floor(z / 128);
  }
  bytes.push(z);
  return bytes;
}

/** The value Herald writes for an event with this id: magic byte, schema id, Avro body. */
export function avroValue(schemaId: number, id: string): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(schemaId, 1);
  const value = Buffer.concat([
    header,
    Buffer.from(varint(Buffer.byteLength(id))),
    Buffer.from(id),
    Buffer.from(varint(PAYLOAD_CHARS)),
    Buffer.from(payloadText),
  ]);
  if (value.length !== VALUE_BYTES || id.length !== ID_CHARS) throw new Error(`benchmark value is ${value.length} bytes, expected ${VALUE_BYTES}`);
  return value;
}

/**
 * How events are keyed: `event` gives every event its own partition key (a request spans
 * partitions), `request` gives all events of a request one key (a request stays on one partition).
 */
export type KeyMode = 'event' | 'request';

/** One event as the publish API takes it; the client sets `id`, as @herald/client does, so a retry is safe. */
function eventJson(key: string | undefined): string {
  const id = uuidv7();
  return `{"id":"${id}","data":{"id":"${key ?? id}","payload":"${payloadText}"}}`;
}

/** The body of a publish request: one event object, or an array of `events`. */
export function publishBody(events: number, keys: KeyMode): string {
  const key = keys === 'request' ? uuidv7() : undefined;
  if (events === 1) return eventJson(key);
  const parts = new Array<string>(events);
  for (let i = 0; i < events; i++) parts[i] = eventJson(key);
  return `[${parts.join(',')}]`;
}

export interface RecordTemplate {
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * A record exactly like the ones Herald writes for this workload — same attributes, so the same
 * header names and value sizes, signed — built once. The baseline reuses its value and headers
 * and only varies the key: it sends the bytes, it does not make them.
 */
export function heraldLikeRecord(options: { schemaId: number; registryUrl: string; source: string; writerId: string; keyring: Keyring }): RecordTemplate {
  const id = uuidv7();
  const now = new Date().toISOString();
  const message = toKafkaMessage(
    {
      specversion: '1.0',
      id,
      source: options.source,
      type: eventTypeName,
      time: now,
      recordedtime: now,
      partitionkey: id,
      dataschema: `${options.registryUrl}/schemas/ids/${options.schemaId}`,
      datacontenttype: 'application/avro',
      authtype: 'api_key',
      authid: options.writerId,
      data: avroValue(options.schemaId, id),
    },
    options.keyring,
  );
  return { value: message.value, headers: message.headers };
}

/** Key, value and header bytes of a record, counted as the publisher counts them. */
export function recordBytes(key: string, value: Buffer, headers: Record<string, string>): number {
  let bytes = Buffer.byteLength(key) + value.length;
  for (const [name, v] of Object.entries(headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(v);
  return bytes;
}
