// What a job makes of a source record: a verified Herald event (attributes, encoded data), a
// tombstone, or something it must not replay (a signature that does not verify: the record was
// not written by Herald's publisher, or was altered).
import { readVerifiedAttributes, verifyMessage, type HeraldAttributes, type KafkaRecord, type Keyring } from '@herald/envelope';
import { isRegistryOutage, type SchemaCodec } from '@herald/schemas';

export type Inspection = { kind: 'event'; attributes: HeraldAttributes | undefined } | { kind: 'tombstone' } | { kind: 'rejected'; reason: string };

/**
 * Verifies the record's signature; reads its attributes when `withAttributes` (a pattern, a
 * table or an endpoint needs them; a copy into a topic does not, and skips the work).
 */
export function inspect(record: KafkaRecord, keyring: Keyring, withAttributes = true): Inspection {
  if (record.value === null || record.value === undefined) return { kind: 'tombstone' };
  const verification = verifyMessage(record, keyring);
  if (!verification.ok) return { kind: 'rejected', reason: `the herald-signature does not verify: ${verification.reason}` };
  if (!withAttributes) {
    const headers = record.headers ?? {};
    return headers.ce_type !== undefined && headers.ce_id !== undefined ? { kind: 'event', attributes: undefined } : { kind: 'rejected', reason: NOT_AN_EVENT };
  }
  const attributes = readVerifiedAttributes(record);
  if (typeof attributes.type !== 'string' || typeof attributes.id !== 'string') return { kind: 'rejected', reason: NOT_AN_EVENT };
  return { kind: 'event', attributes };
}

const NOT_AN_EVENT = 'a signed record without a type or an id is not a Herald event';

export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Decodes an event's data with its writer's schema, to plain JSON values. */
export async function decodeData(codec: SchemaCodec, attributes: HeraldAttributes, value: Buffer): Promise<unknown> {
  try {
    return await codec.decodePlain(value);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new DecodeError(`the data of event ${attributes.id} (${attributes.type}) cannot be decoded: ${reason}`, isRegistryOutage(error), { cause: error });
  }
}

/** The event as patterns see it: attributes by name and, when decoded, `data`. */
export function patternView(attributes: HeraldAttributes, data?: unknown): object {
  return data === undefined ? { ...attributes } : { ...attributes, data };
}
