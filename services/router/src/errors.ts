// Why the router could not deliver an event to a subscription. Failures are values the routing
// loop acts on (retry, dead-letter, discard, block), not exceptions that escape it.
export const ROUTING_FAILURE_CODES = ['bad_signature', 'invalid_event', 'undecodable_data'] as const;
export type RoutingFailureCode = (typeof ROUTING_FAILURE_CODES)[number];

export class RoutingFailure extends Error {
  override readonly name = 'RoutingFailure';
  readonly retriable: boolean;
  constructor(
    readonly code: RoutingFailureCode,
    message: string,
    options: { retriable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : {});
    this.retriable = options.retriable ?? false;
  }
}
