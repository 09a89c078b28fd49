// The CLI's error vocabulary: every way a command ends other than success, each with the exit
// code scripts rely on. API and transport failures stay the SDK's errors (@herald/client) and
// are mapped here, in one table.
import { HeraldApiError, HeraldClientError } from '@herald/client';

export const EXIT_CODES = {
  ok: 0,
  /** The API answered with a problem (problem+json): `code: detail` on stderr. */
  api: 1,
  /** Bad flags or arguments, an unreadable input file or config. */
  usage: 2,
  /** A service (or Kafka) could not be reached. */
  unreachable: 3,
  /** A watched replay ended `failed` or `cancelled`. */
  job_failed: 4,
  /** Ctrl-C. */
  interrupted: 130,
} as const;

export type CliErrorCode = Exclude<keyof typeof EXIT_CODES, 'ok'>;

export class CliError extends Error {
  override name = 'CliError';

  constructor(
    readonly code: CliErrorCode,
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
  }
}

export class UsageError extends CliError {
  override name = 'UsageError';

  constructor(message: string) {
    super('usage', message);
  }
}

/** The problem's own code: the router's and replay's codes (`group_active`, `invalid_pattern`, …) are not all in the SDK's list. */
export function problemCode(error: HeraldApiError): string {
  const code = error.problem?.code;
  if (typeof code === 'string') return code;
  // No problem+json at all (a proxy's page): say which status it was.
  return error.problem === undefined && error.code === 'unexpected_response' ? `http_${error.status}` : error.code;
}

function isConnectionFailure(error: unknown): boolean {
  if (error instanceof HeraldApiError) return false;
  if (error instanceof HeraldClientError) {
    if (error.code === 'network_error' || error.code === 'timeout') return true;
    if (error.code === 'retries_exhausted') return isConnectionFailure(error.cause);
    return false;
  }
  // kafkajs: KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded over one, KafkaJSBrokerNotFound.
  if (error instanceof Error && /^KafkaJS(Connection|BrokerNotFound|NonRetriable|NumberOfRetriesExceeded)/.test(error.name)) {
    return error.name !== 'KafkaJSNonRetriableError' || isConnectionFailure(error.cause);
  }
  return false;
}

export interface Outcome {
  exitCode: number;
  /** What to print on stderr (without the `herald: ` prefix), one or more lines. */
  message: string;
}

/** Maps whatever a command threw to its exit code and the message for stderr. */
export function outcomeOf(error: unknown): Outcome {
  if (error instanceof CliError) return { exitCode: EXIT_CODES[error.code], message: error.message };
  if (error instanceof HeraldClientError && error.code === 'retries_exhausted' && error.cause instanceof HeraldApiError) return outcomeOf(error.cause);
  if (error instanceof HeraldApiError) {
    const lines = [`${problemCode(error)}: ${error.detail ?? error.title}`];
    for (const field of error.errors) {
      const where = [field.index === undefined ? undefined : `event ${field.index}`, field.path].filter((part) => part !== undefined && part !== '').join(' ');
      lines.push(`  ${where === '' ? '' : `${where}: `}${field.message}`);
    }
    return { exitCode: EXIT_CODES.api, message: lines.join('\n') };
  }
  if (isConnectionFailure(error)) return { exitCode: EXIT_CODES.unreachable, message: `cannot connect: ${(error as Error).message}` };
  // Anything else is a bug or an unforeseen failure: say so with what we know, as a failure.
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { exitCode: EXIT_CODES.api, message };
}
