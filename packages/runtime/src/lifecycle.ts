// A service's life: start, serve, and on SIGTERM/SIGINT stop taking work, finish what is in
// flight, close its Kafka clients, and exit 0; exit 1 if start fails or shutdown overruns.
import type { Logger } from './logger.js';

export interface RunningService {
  /** Stop: drain, close clients. Called once. */
  close(): Promise<void>;
}

export interface RunServiceOptions {
  logger: Logger;
  start: () => Promise<RunningService>;
  /** Longest a shutdown may take before the process exits anyway (match k8s terminationGracePeriodSeconds). */
  shutdownTimeoutMs?: number;
  /** For tests: what to do instead of process.exit. */
  exit?: (code: number) => void;
}

export async function runService(options: RunServiceOptions): Promise<void> {
  const { logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.shutdownTimeoutMs ?? 25_000;
  let running: RunningService | undefined;
  let stopping = false;

  const stop = async (reason: string, code: number) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { reason });
    const timer = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting', { timeoutMs });
      exit(1);
    }, timeoutMs);
    timer.unref();
    try {
      await running?.close();
      logger.info('stopped');
      clearTimeout(timer);
      exit(code);
    } catch (err) {
      logger.error('shutdown failed', { err });
      clearTimeout(timer);
      exit(1);
    }
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn('second signal: exiting now', { signal });
        exit(1);
        return;
      }
      void stop(signal, 0);
    });
  }
  process.on('unhandledRejection', (err) => {
    logger.error('unhandled promise rejection', { err });
    void stop('unhandledRejection', 1);
  });

  try {
    running = await options.start();
  } catch (err) {
    logger.error('failed to start', { err });
    exit(1);
  }
}
