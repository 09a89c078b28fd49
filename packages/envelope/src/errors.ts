// The envelope's error vocabulary. Every failure here is a property of the input (a bad event,
// a bad record, a bad key configuration): retrying the same input cannot succeed.

export const ENVELOPE_ERROR_CODES = ['invalid_event', 'invalid_message', 'invalid_keyring'] as const;

export type EnvelopeErrorCode = (typeof ENVELOPE_ERROR_CODES)[number];

/** One precise thing wrong with an event, a record or a keyring: which attribute, and why. */
export interface EnvelopeProblem {
  attribute: string;
  reason: string;
}

export interface EnvelopeErrorOptions {
  problems?: readonly EnvelopeProblem[];
  cause?: unknown;
}

export class EnvelopeError extends Error {
  override readonly name = 'EnvelopeError';
  readonly problems: readonly EnvelopeProblem[];
  readonly retriable = false;

  constructor(
    readonly code: EnvelopeErrorCode,
    summary: string,
    options: EnvelopeErrorOptions = {},
  ) {
    const problems = options.problems ?? [];
    // The message lists every problem so a log line alone says what to fix.
    super(problems.length === 0 ? summary : `${summary}: ${problems.map((p) => `${p.attribute} ${p.reason}`).join('; ')}`, {
      cause: options.cause,
    });
    this.problems = problems;
  }
}
