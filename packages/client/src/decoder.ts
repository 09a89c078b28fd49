// The consuming side: a Kafka record as kafkajs delivers it, checked and decoded in the order
// that keeps forged input cheap and away from the registry: signature, then attributes, then
// the Avro data.
import { EnvelopeError, fromKafkaMessage, verifyMessage, type HeraldAttributes, type KafkaHeaders, type KafkaRecord, type Keyring, type ReceivedEvent } from '@herald/envelope';
import { SchemaCodec, isRegistryOutage } from '@herald/schemas';
import { DecodeError } from './errors.js';

export interface EventDecoderOptions {
  /** The keys the publisher signs with (current and still-verifiable ones). */
  keyring: Keyring;
  /** Schema registry URL, or a codec to share (its schema cache with it). */
  registry: string | SchemaCodec;
}

export interface DecodedEvent<D = unknown> {
  /** Every CloudEvents attribute of the record. */
  attributes: HeraldAttributes;
  /** The data, decoded with the writer's schema into plain objects (Avro bytes stay Buffers). */
  data: D;
  /** Headers that are not CloudEvents ones (the signature, routing headers), as received. */
  transportHeaders: KafkaHeaders;
}

/**
 * A decoded event of one of the types of `Types` (event type name → data type), with `type`
 * alongside the attributes so that checking it narrows `data`.
 */
export type DecodedEventOf<Types extends object> = {
  [K in keyof Types & string]: DecodedEvent<Types[K]> & { type: K };
}[keyof Types & string];

export class EventDecoder {
  readonly #keyring: Keyring;
  readonly #codec: SchemaCodec;

  constructor(options: EventDecoderOptions) {
    this.#keyring = options.keyring;
    this.#codec = typeof options.registry === 'string' ? new SchemaCodec({ registry: options.registry }) : options.registry;
  }

  /**
   * The event of a record, or a DecodeError: `bad_signature`, `invalid_event` or
   * `undecodable_data` (retriable when the registry could not be reached). `D` is taken on
   * trust: the writer's schema, not the SDK, decides the shape of the data.
   */
  async decode<D = unknown>(message: KafkaRecord): Promise<DecodedEvent<D>> {
    const verification = verifyMessage(message, this.#keyring);
    if (!verification.ok) {
      throw new DecodeError('bad_signature', `the herald-signature does not verify: ${verification.reason}`, { reason: verification.reason });
    }

    let received: ReceivedEvent;
    try {
      received = fromKafkaMessage(message);
    } catch (error) {
      if (!(error instanceof EnvelopeError)) throw error;
      throw new DecodeError('invalid_event', error.message, { problems: error.problems, cause: error });
    }

    const { data: encoded, ...attributes } = received.event;
    let data: unknown;
    try {
      data = await this.#codec.decodePlain(encoded);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new DecodeError('undecodable_data', `the data of event ${attributes.id} (${attributes.type}) cannot be decoded: ${reason}`, {
        retriable: isRegistryOutage(error),
        cause: error,
      });
    }
    return { attributes, data: data as D, transportHeaders: received.transportHeaders };
  }

  /** `decode` for a map of event types: `if (event.type === '…ride.requested') event.data` is a Ride. */
  async decodeAs<Types extends object>(message: KafkaRecord): Promise<DecodedEventOf<Types>> {
    const event = await this.decode(message);
    return { ...event, type: event.attributes.type } as DecodedEventOf<Types>;
  }
}
