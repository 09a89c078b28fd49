// The replay service's HTTP API (docs/replay-api.md, /openapi.json): replay jobs, their live
// progress, dead-letter redrive and consumer-group rewind. Jobs run beside it, not behind it.
import type { ErrorRequestHandler, Request, Response } from 'express';
import { principalOf, requirePrincipal, type Authenticator } from '@herald/auth';
import { createServiceApp, notFoundHandler, problemHandler, requireJson, toProblem, type Logger, type ReadinessCheck, type ServiceApp, type ServiceMetrics } from '@herald/runtime';
import type { GroupRewinder } from './groups.js';
import type { ReplayLog } from './jobs/log.js';
import { finalStates } from './jobs/model.js';
import { replayOpenApi } from './openapi.js';
import { view, type ReplayAdmin } from './replays-api.js';

export interface ReplayAppDeps {
  logger: Logger;
  metrics: ServiceMetrics;
  authenticator: Authenticator;
  replays: ReplayAdmin;
  log: ReplayLog;
  rewinder: GroupRewinder;
  readiness: Record<string, ReadinessCheck>;
  bodyLimitBytes: number;
  onRejected?: (code: string) => void;
  onRewind?: (outcome: 'applied' | 'dry_run' | 'refused') => void;
  /** How often an idle progress stream sends a comment, so proxies keep it open. */
  keepAliveMs?: number;
}

type IdRequest = Request<{ id: string }>;

export function createApp(deps: ReplayAppDeps): ServiceApp & { closeStreams(): void } {
  const service = createServiceApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: deps.readiness,
    bodyLimit: `${deps.bodyLimitBytes}b`,
    jsonTypes: ['application/json'],
    openApi: replayOpenApi,
  });
  const { app } = service;
  const { replays, log } = deps;
  const streams = new Set<Response>();

  app.use('/v1', requirePrincipal(deps.authenticator));
  // Actions without a body: before requireJson, which refuses a POST that is not JSON.
  for (const action of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/v1/replays/:id/${action}`, async (req: IdRequest, res) => {
      const { applied, job } = await replays.control(principalOf(res), req.params.id, action);
      res.status(applied ? 200 : 202).json(job);
    });
  }
  app.use('/v1', requireJson);

  app.get('/v1/replays', (_req, res) => {
    res.json({ items: replays.list(principalOf(res)) });
  });
  app.post('/v1/replays', async (req, res) => {
    const created = await replays.create(principalOf(res), req.body);
    res.status(201).location(`/v1/replays/${created.id}`).json(created);
  });
  app.get('/v1/replays/:id', (req: IdRequest, res) => {
    res.json(replays.get(principalOf(res), req.params.id));
  });
  // Live progress: the job now, again at every change of it (each checkpoint), `end` once it
  // has finished; then the stream closes.
  app.get('/v1/replays/:id/events', (req: IdRequest, res) => {
    const id = req.params.id;
    replays.visible(principalOf(res), id);
    res.status(200).set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.flushHeaders();
    streams.add(res);
    let last = '';
    const send = () => {
      const job = log.job(id);
      if (!job) return;
      const progress = log.progressOf(id);
      const data = JSON.stringify(view(job, progress));
      if (data !== last) {
        last = data;
        res.write(`event: progress\ndata: ${data}\n\n`);
      }
      if (progress && finalStates.has(progress.state)) {
        res.write(`event: end\ndata: ${JSON.stringify({ state: progress.state })}\n\n`);
        close();
      }
    };
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), deps.keepAliveMs ?? 15_000);
    const unsubscribe = log.onChange((changed) => {
      if (changed === id) send();
    });
    function close() {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
      res.end();
    }
    req.on('close', () => {
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(res);
    });
    send();
  });

  app.post('/v1/subscriptions/:name/redrive', async (req: Request<{ name: string }>, res) => {
    const created = await replays.redrive(principalOf(res), req.params.name, req.body);
    res.status(201).location(`/v1/replays/${created.id}`).json(created);
  });

  app.post('/v1/consumer-groups/:group/rewind', async (req: Request<{ group: string }>, res) => {
    try {
      const result = await deps.rewinder.rewind(principalOf(res), req.params.group, req.body);
      deps.onRewind?.(result.dryRun ? 'dry_run' : 'applied');
      res.json(result);
    } catch (error) {
      deps.onRewind?.('refused');
      throw error;
    }
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
  return {
    ...service,
    /** Ends every open progress stream (shutdown: the server cannot close while they are open). */
    closeStreams() {
      for (const res of streams) res.end();
      streams.clear();
    },
  };
}
