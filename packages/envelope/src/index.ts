// @herald/envelope: the Herald event in CloudEvents 1.0 Kafka binary content mode.
export { ATTRIBUTE_NAMES, AUTH_TYPES, assertValidEvent, validateEvent, type AuthType, type HeraldAttributes, type HeraldEvent } from './event.js';
export { ENVELOPE_ERROR_CODES, EnvelopeError, type EnvelopeErrorCode, type EnvelopeErrorOptions, type EnvelopeProblem } from './errors.js';
export { fromKafkaMessage, readVerifiedAttributes, toKafkaMessage, type HeraldKafkaMessage, type ReceivedEvent } from './kafka.js';
export { uuidv7 } from './ids.js';
export { Keyring, keyringFromSettings, type KeyringConfig } from './keyring.js';
export { type HeaderValue, type KafkaHeaders, type KafkaRecord } from './record.js';
export { SIGNATURE_HEADER, VERIFICATION_FAILURES, verifyMessage, type Verification, type VerificationFailure } from './signature.js';
