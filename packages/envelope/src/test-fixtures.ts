// Events and keys shared by the unit tests.
import type { HeraldEvent } from './event.js';
import { Keyring } from './keyring.js';

/** Confluent wire format: magic byte 0, schema id 7, then an Avro body. */
export const AVRO_DATA = Buffer.from([0x00, 0x00, 0x00, 0x00, 0x07, 0x0a, 0x72, 0x69, 0x64, 0x65, 0x2d, 0xff, 0x00]);

/** A Herald event with every attribute set. */
export function fullEvent(overrides: Partial<HeraldEvent> = {}): HeraldEvent {
  return {
    specversion: '1.0',
    id: '0190f0c2-7a1e-7cc3-9b1f-3f6f2b8c9d10',
    source: 'https://publisher.herald.example/producers/rides-service',
    type: 'com.acme.rides.ride.requested',
    time: '2024-05-01T08:00:00.123Z',
    recordedtime: '2024-05-01T08:00:00.456Z',
    subject: 'ride/42',
    partitionkey: 'ride-42',
    dataschema: 'http://localhost:8081/schemas/ids/7',
    datacontenttype: 'application/avro',
    authtype: 'service_account',
    authid: 'rides-service',
    dataref: 'https://rides.acme.example/rides/42?fields=all#state',
    traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    sequence: '00000000000000000042',
    data: AVRO_DATA,
    ...overrides,
  };
}

/** A Herald event with only the required attributes. */
export function minimalEvent(): HeraldEvent {
  return {
    specversion: '1.0',
    id: '01HZQF3K7T0RPMK6N3CXVQXX2A',
    source: '/producers/rides-service',
    type: 'com.acme.rides.ride.requested',
    time: '2024-05-01T08:00:00.000Z',
    recordedtime: '2024-05-01T08:00:01Z',
    partitionkey: 'ride-42',
    datacontenttype: 'application/avro',
    authtype: 'unauthenticated',
    data: AVRO_DATA,
  };
}

export const OLD_SECRET = Buffer.alloc(32, 0x11);
export const NEW_SECRET_BASE64 = Buffer.alloc(32, 0x22).toString('base64');

export const oldKeyring = (): Keyring => new Keyring({ currentKeyId: 'k2024', keys: { k2024: OLD_SECRET } });

/** After rotation: signs with k2025, still verifies k2024. */
export const rotatedKeyring = (): Keyring => new Keyring({ currentKeyId: 'k2025', keys: { k2024: OLD_SECRET, k2025: NEW_SECRET_BASE64 } });
