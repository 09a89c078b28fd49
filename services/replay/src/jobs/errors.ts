/** Why a job failed: a stable code (in the job's `error` and the errors metric) and a message for people. */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** The code of any error a job meets: its own, a target's, or `internal`. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[a-z_]{1,64}$/.test(code) ? code : 'internal';
}
