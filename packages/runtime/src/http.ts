// The HTTP frame every service shares: health and readiness, /metrics, the service's
// /openapi.json, metrics and access logs per request, JSON bodies, and errors answered as
// application/problem+json.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import type { Logger } from './logger.js';
import type { ServiceMetrics } from './metrics.js';
import { HttpProblem, PROBLEM_CONTENT_TYPE } from './problem.js';

/** A readiness check resolves when its dependency answers and rejects with the reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface ServiceAppOptions {
  logger: Logger;
  metrics: ServiceMetrics;
  /** Named checks behind /readyz; all must pass, each within `readinessTimeoutMs`. */
  readiness?: Record<string, ReadinessCheck>;
  readinessTimeoutMs?: number;
  /** Largest accepted JSON body, e.g. '1mb'. */
  bodyLimit?: string;
  /** Media types parsed as JSON (default: application/json and any +json). */
  jsonTypes?: string[];
  /** The service's OpenAPI document, served at /openapi.json. */
  openApi?: object;
}

export interface ServiceApp {
  app: Express;
  /** Mark the service as going away: /readyz answers 503 from now on. */
  setDraining(): void;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    }),
  ]);
}

export function sendProblem(res: express.Response, problem: HttpProblem, instance?: string): void {
  for (const [name, value] of Object.entries(problem.headers)) res.setHeader(name, value);
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem.toJSON(instance)));
}

/** Turns body-parser's errors into problems; anything else unknown is a 500 that is logged. */
export function toProblem(err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err;
  const e = err as { type?: string; status?: number; limit?: number; message?: string };
  if (e?.type === 'entity.parse.failed') return new HttpProblem('malformed_json', 'Request body is not valid JSON', { detail: e.message, cause: err });
  if (e?.type === 'entity.too.large') {
    return new HttpProblem('payload_too_large', 'Request body is too large', {
      detail: `the limit is ${e.limit} bytes`,
      extensions: { limit: e.limit, limitName: 'bodyBytes' },
      cause: err,
    });
  }
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new HttpProblem('unsupported_media_type', 'Unsupported body encoding', { detail: e.message, cause: err });
  return new HttpProblem('internal', 'Internal error', { cause: err });
}

/** Express error handler answering problem+json; 5xx are logged with their cause. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const problem = toProblem(err);
    if (problem.status >= 500) logger.error('request failed', { method: req.method, path: req.path, code: problem.code, err: problem.cause ?? problem });
    sendProblem(res, problem, req.originalUrl);
  };
}

/** POST and PUT bodies must be JSON: anything else is refused rather than read as empty. */
export const requireJson: RequestHandler = (req, _res, next) => {
  if ((req.method === 'POST' || req.method === 'PUT') && !req.is('application/json')) {
    next(new HttpProblem('unsupported_media_type', 'Unsupported media type', { detail: `send application/json, not ${req.headers['content-type'] ?? 'no content type'}` }));
    return;
  }
  next();
};

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new HttpProblem('not_found', 'No such resource', { detail: `${req.method} ${req.path} is not a route of this service` }));
};

export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  let draining = false;
  const timeoutMs = options.readinessTimeoutMs ?? 2000;

  app.use(options.metrics.httpMiddleware);
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ready = !draining;
    if (draining) checks.shutdown = 'draining';
    await Promise.all(
      Object.entries(options.readiness ?? {}).map(async ([name, check]) => {
        try {
          await withTimeout(check(), timeoutMs, name);
          checks[name] = 'ok';
        } catch (err) {
          ready = false;
          checks[name] = (err as Error).message;
        }
      }),
    );
    if (ready) {
      res.json({ status: 'ready', checks });
      return;
    }
    sendProblem(res, new HttpProblem('not_ready', 'Service is not ready', { extensions: { checks }, headers: { 'Retry-After': '1' } }), '/readyz');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  app.use(express.json({ limit: options.bodyLimit ?? '1mb', type: options.jsonTypes ?? ['application/json', 'application/*+json'] }));
  const { openApi } = options;
  if (openApi) {
    app.get('/openapi.json', (_req, res) => {
      res.json(openApi);
    });
  }
  return {
    app,
    setDraining() {
      draining = true;
    },
  };
}

export interface HttpServer {
  server: Server;
  /** The bound port (useful with port 0 in tests). */
  port: number;
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then closes what is left. */
  close(graceMs?: number): Promise<void>;
}

export async function listen(app: Express, options: { port: number; host?: string }): Promise<HttpServer> {
  const server = createServer(app);
  // Shorter than a load balancer's idle timeout would be wrong; longer than the default 5 s is kinder to clients that pool.
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    port,
    url: `http://localhost:${port}`,
    close(graceMs = 10_000) {
      return new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
    },
  };
}
