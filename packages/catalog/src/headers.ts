// Headers Herald adds to the records it forwards (router) and copies (replay), beside the
// CloudEvents headers and the signature, which stay as they were. The router writes them; the
// replay service reads them to redrive dead letters and to find a latest-state record's origin.

export const ROUTING_HEADERS = {
  /** The subscription a forwarded record was routed for. */
  subscription: 'herald-subscription',
  /** Where the event was first recorded: its event type's topic, partition and offset. */
  originTopic: 'herald-origin-topic',
  originPartition: 'herald-origin-partition',
  originOffset: 'herald-origin-offset',
  /** The replay job that copied the record. */
  replay: 'herald-replay',
} as const;

/** On dead letters: why the event was not delivered. */
export const ERROR_HEADERS = {
  code: 'herald-error-code',
  message: 'herald-error-message',
  attempts: 'herald-error-attempts',
  time: 'herald-error-time',
} as const;
