export const catalogErrorCodes = ['already_exists', 'not_found', 'conflict'] as const;
export type CatalogErrorCode = (typeof catalogErrorCodes)[number];

export class CatalogError extends Error {
  override readonly name = 'CatalogError';
  readonly retriable: boolean;
  constructor(
    readonly code: CatalogErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.retriable = code === 'conflict';
  }
}
