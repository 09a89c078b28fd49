export const patternErrorCodes = ['invalid_pattern', 'duplicate_id'] as const;
export type PatternErrorCode = (typeof patternErrorCodes)[number];

/**
 * A pattern that cannot be used, and where: `path` is a JSON path into the pattern
 * (`data.amount[0].numeric`; `''` for the pattern as a whole) and `reason` says what is wrong.
 * `patternId` names the entry when `compile` found it. Never retriable: the same pattern fails
 * the same way every time.
 */
export class PatternError extends Error {
  override readonly name = 'PatternError';
  readonly retriable = false;
  readonly patternId: string | undefined;
  constructor(
    readonly code: PatternErrorCode,
    readonly path: string,
    readonly reason: string,
    options: { patternId?: string; cause?: unknown } = {},
  ) {
    const where = path === '' ? 'pattern' : path;
    const which = options.patternId === undefined ? '' : `pattern ${JSON.stringify(options.patternId)}: `;
    super(`${which}${where}: ${reason}`, { cause: options.cause });
    this.patternId = options.patternId;
  }
}
