// The router's HTTP API (docs/router-api.md, /openapi.json): subscriptions, and trying a
// pattern on recent events. Routing itself runs beside it, not behind it.
import type { ErrorRequestHandler, Request } from 'express';
import { principalOf, requirePrincipal, type Authenticator } from '@herald/auth';
import { createServiceApp, notFoundHandler, problemHandler, requireJson, toProblem, type Logger, type ReadinessCheck, type ServiceApp, type ServiceMetrics } from '@herald/runtime';
import { routerOpenApi } from './openapi.js';
import type { PatternTester } from './pattern-test.js';
import type { SubscriptionAdmin } from './subscriptions-api.js';

export interface RouterAppDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  authenticator: Authenticator;
  subscriptions: SubscriptionAdmin;
  tester: PatternTester;
  readiness: Record<string, ReadinessCheck>;
  bodyLimitBytes: number;
  /** Told the code of every request answered with a problem (for a rejections metric). */
  onRejected?: (code: string) => void;
}

export function createApp(deps: RouterAppDeps): ServiceApp {
  const service = createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimit: `${deps.bodyLimitBytes}b`,
    jsonTypes: ['application/json'],
    openApi: routerOpenApi,
  });
  const { app } = service;
  const { subscriptions, tester } = deps;

  app.use('/v1', requirePrincipal(deps.authenticator), requireJson);

  app.get('/v1/subscriptions', (_req, res) => {
    res.json({ items: subscriptions.list(principalOf(res)) });
  });
  app.post('/v1/subscriptions', async (req, res) => {
    const created = await subscriptions.create(principalOf(res), req.body);
    res.status(201).location(`/v1/subscriptions/${encodeURIComponent(created.name)}`).json(created);
  });
  // Before the /:name routes, though only POST is routed here: a subscription may be named `test`.
  app.post('/v1/subscriptions/test', async (req, res) => {
    res.json(await tester.test(principalOf(res), req.body));
  });
  app.get('/v1/subscriptions/:name', (req: Request<{ name: string }>, res) => {
    res.json(subscriptions.get(principalOf(res), req.params.name));
  });
  app.put('/v1/subscriptions/:name', async (req: Request<{ name: string }>, res) => {
    res.json(await subscriptions.update(principalOf(res), req.params.name, req.body));
  });
  app.delete('/v1/subscriptions/:name', async (req: Request<{ name: string }>, res) => {
    await subscriptions.remove(principalOf(res), req.params.name);
    res.status(204).end();
  });

  app.use(notFoundHandler);
  if (deps.onRejected) {
    const onRejected = deps.onRejected;
    const countRejections: ErrorRequestHandler = (err: unknown, _req, _res, next) => {
      onRejected(toProblem(err).code);
      next(err);
    };
    app.use(countRejections);
  }
  app.use(problemHandler(deps.logger));
  return service;
}
