// The Confluent Schema Registry REST API (the part clients use), over the Kafka-backed store.
// Answers and errors follow Confluent's shapes exactly: content type
// application/vnd.schemaregistry.v1+json and bodies {"error_code": …, "message": …}.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { createServiceApp, type Logger, type ReadinessCheck, type ServiceApp, type ServiceMetrics } from '@herald/runtime';
import { REGISTRY_CONTENT_TYPE, RegistryError, errors } from './errors.js';
import type { RegistryMetrics } from './metrics.js';
import { parseLevel, parseVersion, type RegistryState, type Mutation, type SchemaRequest } from './state.js';

/** What the API needs from storage: current state to read, and serialized writes. */
export interface SchemaStore {
  readonly state: RegistryState;
  readonly isReady: boolean;
  write<T>(command: (state: RegistryState) => Mutation<T>): Promise<T>;
}

export interface RegistryAppDeps {
  store: SchemaStore;
  logger: Logger;
  metrics: ServiceMetrics;
  registryMetrics: RegistryMetrics;
  kafkaReadiness: ReadinessCheck;
  bodyLimit?: string;
}

function send(res: Response, body: unknown, status = 200): void {
  // A Buffer, so that express does not append "; charset=utf-8": clients compare the media type.
  res.status(status).setHeader('Content-Type', REGISTRY_CONTENT_TYPE);
  res.send(Buffer.from(JSON.stringify(body)));
}

const flag = (req: Request, name: string) => String(req.query[name] ?? '').toLowerCase() === 'true';

function schemaRequest(req: Request): SchemaRequest {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.invalidSchema('the request body must be a JSON object with a "schema" string');
  return body as SchemaRequest;
}

function schemaId(raw: string): number {
  if (!/^\d{1,10}$/.test(raw)) throw errors.schemaNotFound(`Schema ${raw} not found`);
  return Number(raw);
}

export function createApp(deps: RegistryAppDeps): ServiceApp {
  const { store } = deps;
  const service = createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    bodyLimit: deps.bodyLimit ?? '8mb',
    // Confluent accepts its own media types, JSON and octet-stream; clients vary, so any type is read as JSON.
    jsonTypes: ['*/*'],
    readiness: {
      kafka: deps.kafkaReadiness,
      schemas: async () => {
        if (!store.isReady) throw new Error('schema topic not loaded yet, or its follower stopped');
      },
    },
  });
  const { app } = service;
  const read = () => store.state;

  app.get('/', (_req, res) => send(res, {}));
  app.get('/schemas/types', (_req, res) => send(res, ['AVRO']));
  app.get('/mode', (_req, res) => send(res, { mode: 'READWRITE' }));

  app.get('/subjects', (req, res) => send(res, read().listSubjects(flag(req, 'deleted'))));
  app.get('/subjects/:subject/versions', (req, res) => send(res, read().listVersions(req.params.subject, flag(req, 'deleted'))));
  app.post('/subjects/:subject/versions', async (req, res) => {
    const request = schemaRequest(req);
    send(res, await store.write((s) => s.register(req.params.subject, request)));
  });
  app.post('/subjects/:subject', (req, res) => send(res, read().lookup(req.params.subject, schemaRequest(req), flag(req, 'deleted'))));
  app.delete('/subjects/:subject', async (req, res) => {
    send(res, await store.write((s) => s.deleteSubject(req.params.subject, flag(req, 'permanent'))));
  });
  app.get('/subjects/:subject/versions/:version', (req, res) =>
    send(res, read().getVersion(req.params.subject, parseVersion(req.params.version), flag(req, 'deleted'))),
  );
  app.get('/subjects/:subject/versions/:version/schema', (req, res) =>
    send(res, JSON.parse(read().getVersion(req.params.subject, parseVersion(req.params.version), flag(req, 'deleted')).schema)),
  );
  app.get('/subjects/:subject/versions/:version/referencedby', (req, res) => {
    read().getVersion(req.params.subject, parseVersion(req.params.version), true);
    send(res, []);
  });
  app.delete('/subjects/:subject/versions/:version', async (req, res) => {
    const version = parseVersion(req.params.version);
    send(res, await store.write((s) => s.deleteVersion(req.params.subject, version, flag(req, 'permanent'))));
  });

  app.get('/schemas/ids/:id', (req, res) => send(res, read().getSchemaById(schemaId(req.params.id))));
  app.get('/schemas/ids/:id/schema', (req, res) => send(res, JSON.parse(read().getSchemaById(schemaId(req.params.id)).schema)));
  app.get('/schemas/ids/:id/subjects', (req, res) => send(res, read().subjectsForId(schemaId(req.params.id), flag(req, 'deleted'))));
  app.get('/schemas/ids/:id/versions', (req, res) => send(res, read().versionsForId(schemaId(req.params.id), flag(req, 'deleted'))));

  app.get('/config', (_req, res) => send(res, { compatibilityLevel: read().globalCompatibility() }));
  app.put('/config', async (req, res) => {
    const level = parseLevel((req.body as { compatibility?: unknown } | undefined)?.compatibility);
    send(res, await store.write((s) => s.setCompatibility(null, level)));
  });
  app.get('/config/:subject', (req, res) => send(res, { compatibilityLevel: read().subjectCompatibility(req.params.subject, flag(req, 'defaultToGlobal')) }));
  app.put('/config/:subject', async (req, res) => {
    const level = parseLevel((req.body as { compatibility?: unknown } | undefined)?.compatibility);
    send(res, await store.write((s) => s.setCompatibility(req.params.subject, level)));
  });
  app.delete('/config/:subject', async (req, res) => {
    send(res, await store.write((s) => s.deleteSubjectCompatibility(req.params.subject)));
  });

  const compatibility = (spec: 'latest' | number | undefined, req: Request, res: Response) => {
    const result = read().testCompatibility(req.params.subject as string, spec, schemaRequest(req));
    send(res, flag(req, 'verbose') || !result.is_compatible ? result : { is_compatible: result.is_compatible });
  };
  app.post('/compatibility/subjects/:subject/versions/:version', (req, res) => compatibility(parseVersion(req.params.version), req, res));
  app.post('/compatibility/subjects/:subject/versions', (req, res) => compatibility(undefined, req, res));

  app.use((req) => {
    throw new RegistryError('route_not_found', `HTTP 404 Not Found: ${req.method} ${req.path}`);
  });
  app.use(registryErrorHandler(deps.logger, deps.registryMetrics));
  return service;
}

/** Every failure in Confluent's shape; body-parser's errors included. */
function registryErrorHandler(logger: Logger, metrics: RegistryMetrics): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const e = err as { type?: string; message?: string };
    let error: RegistryError;
    if (err instanceof RegistryError) error = err;
    else if (e?.type === 'entity.parse.failed') error = new RegistryError('malformed_request', `Malformed JSON: ${e.message}`);
    else if (e?.type === 'entity.too.large') error = new RegistryError('payload_too_large', `Request body is too large: ${e.message}`);
    else error = new RegistryError('internal_error', 'Internal Server Error', { cause: err });
    if (error.status >= 500) logger.error('request failed', { method: req.method, path: req.path, err: error.cause ?? error });
    metrics.rejected(error.errorCode);
    send(res, error.toJSON(), error.status);
  };
}
