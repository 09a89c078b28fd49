// Confluent Schema Registry's error vocabulary: clients (the Java serializers, the kafkajs
// client, Karapace's tests) branch on these numbers, so they are kept exactly.

export const registryErrorCodes = {
  route_not_found: 404,
  malformed_request: 400,
  payload_too_large: 413,
  internal_error: 500,
  subject_not_found: 40401,
  version_not_found: 40402,
  schema_not_found: 40403,
  subject_soft_deleted: 40404,
  subject_not_soft_deleted: 40405,
  version_soft_deleted: 40406,
  version_not_soft_deleted: 40407,
  subject_level_compatibility_not_configured: 40408,
  incompatible_schema: 409,
  invalid_schema: 42201,
  invalid_version: 42202,
  invalid_compatibility_level: 42203,
  store_error: 50001,
  operation_timeout: 50002,
} as const;

export type RegistryErrorKind = keyof typeof registryErrorCodes;

export const REGISTRY_CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly errorCode: number;
  /** HTTP status: the first three digits of Confluent's five-digit codes. */
  readonly status: number;
  readonly retriable: boolean;

  constructor(
    readonly kind: RegistryErrorKind,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.errorCode = registryErrorCodes[kind];
    this.status = this.errorCode >= 10_000 ? Math.floor(this.errorCode / 100) : this.errorCode;
    this.retriable = this.status >= 500;
  }

  toJSON(): { error_code: number; message: string } {
    return { error_code: this.errorCode, message: this.message };
  }
}

export const errors = {
  subjectNotFound: (subject: string) => new RegistryError('subject_not_found', `Subject '${subject}' not found.`),
  versionNotFound: (subject: string, version: number | string) => new RegistryError('version_not_found', `Version ${version} not found for subject '${subject}'.`),
  schemaNotFound: (detail = 'Schema not found') => new RegistryError('schema_not_found', detail),
  invalidVersion: (raw: string) =>
    new RegistryError('invalid_version', `The specified version '${raw}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`),
  invalidLevel: (raw: unknown) =>
    new RegistryError(
      'invalid_compatibility_level',
      `Invalid compatibility level '${String(raw)}'. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive`,
    ),
  invalidSchema: (detail: string) => new RegistryError('invalid_schema', `Invalid schema: ${detail}`),
};
