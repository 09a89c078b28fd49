// A small client for the Confluent Schema Registry API calls Herald's services make that the
// @kafkajs client does not expose as such: set a subject's level, check a schema, register,
// look up. Speaks only the Confluent API, so it works against any compatible registry.

export class RegistryRequestError extends Error {
  override readonly name = 'RegistryRequestError';
  readonly retriable: boolean;
  constructor(
    message: string,
    /** Confluent's error_code (e.g. 40401, 409, 42201), or the HTTP status; 0 when unreachable. */
    readonly errorCode: number,
    readonly status: number,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.retriable = status === 0 || status >= 500;
  }
}

export interface RegisteredVersion {
  subject: string;
  id: number;
  version: number;
  schema: string;
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

export class RegistryClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly options: { timeoutMs?: number } = {},
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: { accept: CONTENT_TYPE, ...(body !== undefined ? { 'content-type': CONTENT_TYPE } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (err) {
      throw new RegistryRequestError(`schema registry at ${this.base} is unreachable: ${(err as Error).message}`, 0, 0, { cause: err });
    }
    const text = await res.text();
    const json: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const { error_code: code, message } = (json ?? {}) as { error_code?: number; message?: string };
      throw new RegistryRequestError(message ?? `schema registry answered ${res.status}`, code ?? res.status, res.status);
    }
    return json as T;
  }

  private subjectPath(subject: string): string {
    return `/subjects/${encodeURIComponent(subject)}`;
  }

  setCompatibility(subject: string, level: string): Promise<{ compatibility: string }> {
    return this.call('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  }

  /** Whether `schema` may become the subject's next version (true for a subject with no versions). */
  async checkCompatibility(subject: string, schema: string): Promise<{ compatible: boolean; messages: string[] }> {
    const result = await this.call<{ is_compatible: boolean; messages?: string[] }>('POST', `/compatibility${this.subjectPath(subject)}/versions?verbose=true`, { schema });
    return { compatible: result.is_compatible, messages: result.messages ?? [] };
  }

  /** Registers (or finds) the schema under the subject; returns its id and version. */
  async register(subject: string, schema: string): Promise<RegisteredVersion> {
    await this.call<{ id: number }>('POST', `${this.subjectPath(subject)}/versions`, { schema });
    return this.lookup(subject, schema);
  }

  /** The version of the subject holding this schema; errorCode 40401/40403 when there is none. */
  lookup(subject: string, schema: string): Promise<RegisteredVersion> {
    return this.call('POST', this.subjectPath(subject), { schema });
  }

  schemaById(id: number): Promise<{ schema: string }> {
    return this.call('GET', `/schemas/ids/${id}`);
  }
}
