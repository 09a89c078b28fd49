// What patterns see of a record: its CloudEvents attributes by name (`type`, `source`, `subject`,
// …) and, for patterns that test it, `data` decoded from Avro. The signature is checked first,
// so a forged record never reaches the registry or a pattern.
import { readVerifiedAttributes, verifyMessage, type HeraldAttributes, type KafkaRecord, type Keyring } from '@herald/envelope';
import { isRegistryOutage, type SchemaCodec } from '@herald/schemas';
import { RoutingFailure } from './errors.js';

export type Inspection =
  | { ok: true; attributes: HeraldAttributes; data: Buffer }
  | { ok: false; failure: RoutingFailure };

/**
 * Verifies the signature, then reads the attributes; the data stays encoded. A verified record's
 * attributes are read without validating them again: the signature covers them, and the
 * publisher validated them before signing (this is most of the router's per-record work).
 */
export function inspectRecord(record: KafkaRecord, keyring: Keyring): Inspection {
  const verification = verifyMessage(record, keyring);
  if (!verification.ok) {
    return { ok: false, failure: new RoutingFailure('bad_signature', `the herald-signature does not verify: ${verification.reason}`) };
  }
  const attributes = readVerifiedAttributes(record);
  if (typeof attributes.type !== 'string' || typeof attributes.id !== 'string' || record.value === null) {
    return { ok: false, failure: new RoutingFailure('invalid_event', 'a signed record without a type, an id or data is not a Herald event') };
  }
  return { ok: true, attributes, data: Buffer.isBuffer(record.value) ? record.value : Buffer.from(record.value) };
}

/** Decodes an event's data with its writer's schema; a failure says whether a retry may help. */
export async function decodeData(codec: SchemaCodec, attributes: HeraldAttributes, data: Buffer): Promise<unknown> {
  try {
    return await codec.decodePlain(data);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new RoutingFailure('undecodable_data', `the data of event ${attributes.id} (${attributes.type}) cannot be decoded: ${reason}`, {
      retriable: isRegistryOutage(error),
      cause: error,
    });
  }
}

const notDecoded = {
  get(): never {
    // A pattern that tests `data` must be matched with the decoded data: reaching here is a bug.
    throw new Error('a pattern read `data` from an event matched on its attributes only');
  },
  enumerable: false,
};

/** The event as attribute-only patterns see it: reading `data` is a programming error. */
export function attributesView(attributes: HeraldAttributes): object {
  return Object.defineProperty({ ...attributes }, 'data', notDecoded);
}

/** The event as patterns over the data see it. */
export function fullView(attributes: HeraldAttributes, data: unknown): object {
  return { ...attributes, data };
}
