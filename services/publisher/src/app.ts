// The publisher's HTTP API (docs/publisher-api.md, /openapi.json): event types and publishing.
import type { ErrorRequestHandler, Request } from 'express';
import { principalOf, requirePrincipal, type Authenticator } from '@herald/auth';
import { createServiceApp, notFoundHandler, problemHandler, requireJson, toProblem, type Logger, type ReadinessCheck, type ServiceApp, type ServiceMetrics } from '@herald/runtime';
import type { EventTypeAdmin } from './event-types.js';
import type { PublisherMetrics } from './metrics.js';
import { publisherOpenApi } from './openapi.js';
import type { Publisher } from './publish.js';

export interface PublisherAppDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  publisherMetrics: PublisherMetrics;
  authenticator: Authenticator;
  publisher: Publisher;
  eventTypes: EventTypeAdmin;
  readiness: Record<string, ReadinessCheck>;
  bodyLimitBytes: number;
}

export function createApp(deps: PublisherAppDeps): ServiceApp {
  const service = createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimit: `${deps.bodyLimitBytes}b`,
    jsonTypes: ['application/json'],
    openApi: publisherOpenApi,
  });
  const { app } = service;
  const { eventTypes, publisher } = deps;

  app.use('/v1', requirePrincipal(deps.authenticator), requireJson);

  app.get('/v1/event-types', (_req, res) => {
    res.json({ items: eventTypes.list() });
  });
  app.post('/v1/event-types', async (req, res) => {
    const created = await eventTypes.create(principalOf(res), req.body);
    res.status(201).location(`/v1/event-types/${encodeURIComponent(created.name)}`).json(created);
  });
  app.get('/v1/event-types/:name', (req: Request<{ name: string }>, res) => {
    res.json(eventTypes.get(req.params.name));
  });
  app.put('/v1/event-types/:name', async (req: Request<{ name: string }>, res) => {
    res.json(await eventTypes.update(principalOf(res), req.params.name, req.body));
  });
  app.delete('/v1/event-types/:name', async (req: Request<{ name: string }>, res) => {
    await eventTypes.remove(principalOf(res), req.params.name);
    res.status(204).end();
  });

  app.post('/v1/events/:type', async (req: Request<{ type: string }>, res) => {
    const outcome = await publisher.publish(principalOf(res), req.params.type, req.body);
    res.status(outcome.status).json({ events: outcome.events });
  });

  app.use(notFoundHandler);
  const countRejections: ErrorRequestHandler = (err: unknown, _req, _res, next) => {
    deps.publisherMetrics.rejected(toProblem(err).code);
    next(err);
  };
  app.use(countRejections);
  app.use(problemHandler(deps.logger));
  return service;
}
