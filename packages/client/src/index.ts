// @herald/client: publish events to Herald (typed per event type) and decode them from Kafka.
export { HeraldClient, type HeraldClientOptions, type PublishEvent, type PublishResult } from './client.js';
export { EventDecoder, type DecodedEvent, type DecodedEventOf, type EventDecoderOptions } from './decoder.js';
export {
  API_ERROR_CODES,
  DECODE_ERROR_CODES,
  DecodeError,
  HeraldApiError,
  HeraldClientError,
  TRANSPORT_ERROR_CODES,
  type ApiErrorCode,
  type ClientErrorCode,
  type DecodeErrorCode,
  type FieldError,
  type TransportErrorCode,
} from './errors.js';
export {
  COMPATIBILITY_LEVELS,
  EventTypes,
  type AvroSchema,
  type CompatibilityLevel,
  type EventType,
  type EventTypeChange,
  type EventTypeDefinition,
  type EventTypeMode,
  type TopicSettings,
} from './event-types.js';
export { problemError } from './http.js';
export type { RetryPolicy } from './retry.js';
// What the decoder's signatures mention, so consumers need no other import.
export { Keyring, type EnvelopeProblem, type HeraldAttributes, type KafkaHeaders, type KafkaRecord, type KeyringConfig, type VerificationFailure } from '@herald/envelope';
export { SchemaCodec } from '@herald/schemas';
