// What the routing benchmark routes: ride events of about 500 bytes of Avro (Confluent wire
// format), signed as the publisher signs them, over many partition keys; and the subscriptions of
// a scenario: one that takes every event through a pattern over `data` (so every event is
// decoded), and selective ones that take nothing: near misses over attributes and data.
import type { Subscription } from '@herald/catalog';
import { toKafkaMessage, uuidv7, type HeraldKafkaMessage, type Keyring } from '@herald/envelope';
import { check } from '@herald/patterns';
import type { SchemaCodec } from '@herald/schemas';

export const rideTypeName = 'bench.herald.ride.updated';

export const rideSchema = {
  type: 'record',
  name: 'Ride',
  namespace: 'bench.herald',
  fields: [
    { name: 'rideId', type: 'string' },
    { name: 'riderId', type: 'string' },
    { name: 'city', type: 'string' },
    { name: 'fareCents', type: 'long' },
    { name: 'status', type: { type: 'enum', name: 'RideStatus', symbols: ['REQUESTED', 'ACCEPTED', 'COMPLETED'] } },
    { name: 'note', type: 'string' },
  ],
};

export const writer = { id: 'bench-writer', source: 'https://bench.herald.example/rides' };

const cities = ['Berlin', 'Paris', 'Lisbon', 'Oslo', 'Madrid', 'Rome', 'Vienna', 'Prague'];
const statuses = ['REQUESTED', 'ACCEPTED', 'COMPLETED'];
/** Fares are below this; the selective numeric ranges start above it. */
const MAX_FARE_CENTS = 20_000;
// The same filler in every event: it only sets the size (no compression is used).
const note = 'x'.repeat(440);

export interface Ride {
  rideId: string;
  riderId: string;
  city: string;
  fareCents: number;
  status: string;
  note: string;
}

/** Event `i` of the preloaded topic; its partition key is the rider, one of `keys`. */
export function rideOf(i: number, keys: number): Ride {
  return {
    rideId: `ride-${i}`,
    // A multiplicative step spreads consecutive events over riders (and so over partitions).
    riderId: `rider-${(i * 7919) % keys}`,
    city: cities[i % cities.length]!,
    fareCents: 500 + ((i * 37) % (MAX_FARE_CENTS - 500)),
    status: statuses[i % statuses.length]!,
    note,
  };
}

export interface EventSource {
  keyring: Keyring;
  codec: SchemaCodec;
  schemaId: number;
  registryUrl: string;
}

/** A record exactly as the publisher writes one for this ride: headers, signature, Avro value. */
export async function rideRecord(ride: Ride, source: EventSource): Promise<HeraldKafkaMessage> {
  const now = new Date().toISOString();
  return toKafkaMessage(
    {
      specversion: '1.0',
      id: uuidv7(),
      source: writer.source,
      type: rideTypeName,
      time: now,
      recordedtime: now,
      subject: `rides/${ride.city.toLowerCase()}/${ride.rideId}`,
      partitionkey: ride.riderId,
      dataschema: `${source.registryUrl}/schemas/ids/${source.schemaId}`,
      datacontenttype: 'application/avro',
      authtype: 'api_key',
      authid: writer.id,
      data: await source.codec.encodeWithId(source.schemaId, ride),
    },
    source.keyring,
  );
}

/** Key, value and header bytes of a record. */
export function recordBytes(message: HeraldKafkaMessage): number {
  let bytes = Buffer.byteLength(message.key) + message.value.length;
  for (const [name, value] of Object.entries(message.headers)) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

/** Takes every event, through its data: every event is decoded and matched. */
export const everyRidePattern = { data: { fareCents: [{ numeric: ['>=', 0] }] } };

/**
 * The pattern of selective subscription `i` (1, 2, …). Each takes no event, most of them after
 * part of the pattern matched: a subject with the right prefix but not the rest, a city that
 * matches with a rider that does not, a fare range just past every fare, a status that matches
 * with a fare that does not.
 */
export function selectivePattern(i: number): Record<string, unknown> {
  const city = cities[i % cities.length]!;
  switch (i % 5) {
    case 0:
      return { subject: [{ prefix: `rides/${city.toLowerCase()}/x${i}-` }] };
    case 1:
      return { data: { riderId: [`rider-x${i}`] } };
    case 2:
      return { data: { fareCents: [{ numeric: ['>=', MAX_FARE_CENTS + 10 * i, '<', MAX_FARE_CENTS + 10 * i + 10] }] } };
    case 3:
      return { data: { city: [{ 'equals-ignore-case': city.toUpperCase() }], riderId: [{ prefix: `rider-x${i}-` }] } };
    default:
      return { source: [writer.source], data: { status: [statuses[i % statuses.length]], fareCents: [{ numeric: ['<', 0] }] } };
  }
}

export interface SubscriptionSet {
  count: number;
  typeName: string;
  destination: { topic: string; deadLetterTopic: string };
}

/**
 * `count` subscriptions of one type, all delivering to one topic (10,000 topics are beyond a
 * one-node benchmark broker): each event goes to exactly one of them, so the router writes one
 * record per event read, as the raw pipe does.
 */
export function subscriptionsOf(set: SubscriptionSet): Subscription[] {
  const now = new Date().toISOString();
  const subscription = (name: string, pattern: Record<string, unknown>): Subscription => {
    const problem = check(pattern);
    if (problem) throw new Error(`the benchmark's pattern of ${name} is not valid: ${problem.message}`);
    return {
      name,
      description: 'Benchmark subscription',
      owner: 'bench',
      eventTypes: [set.typeName],
      pattern,
      destination: set.destination,
      ordering: 'partition',
      failure: { retry: { maxAttempts: 3, initialBackoffMs: 200, maxBackoffMs: 5000, multiplier: 2, jitter: 0.2 }, then: 'dead-letter' },
      revision: 1,
      createdAt: now,
      updatedAt: now,
    };
  };
  const width = String(set.count).length;
  return [subscription('every-ride', everyRidePattern), ...Array.from({ length: set.count - 1 }, (_, j) => subscription(`selective-${String(j + 1).padStart(width, '0')}`, selectivePattern(j + 1)))];
}
