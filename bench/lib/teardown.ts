// Everything a benchmark starts (brokers, service processes, clients) is registered here the
// moment it is started, and stopped last-started-first when the benchmark ends: normally, on
// an error, or on Ctrl-C / SIGTERM. Nothing a run starts outlives it.

export interface TeardownStep {
  name: string;
  run: () => unknown;
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

export class Teardown {
  private readonly steps: TeardownStep[] = [];
  private running: Promise<void> | undefined;
  /** Set once a signal asked the run to stop: failures after it are the stop, not bugs. */
  interrupted = false;

  /** Registers a stop step; steps run in reverse order of registration. */
  add(name: string, run: () => unknown): void {
    this.steps.push({ name, run });
  }

  /** Runs every step once, even when one fails; later calls wait for the same run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (let step = this.steps.pop(); step; step = this.steps.pop()) {
        try {
          await step.run();
        } catch (err) {
          log(`stopping ${step.name} failed: ${(err as Error).message}`);
        }
      }
    })();
    return this.running;
  }
}

/**
 * Runs a benchmark and tears down what it started, whatever happens; exits the process with
 * 0 on success, 1 on failure, 130 on a signal.
 */
export async function runBenchmark(main: (teardown: Teardown) => Promise<void>): Promise<never> {
  const teardown = new Teardown();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (teardown.interrupted) return;
      teardown.interrupted = true;
      log(`${signal}: stopping everything this run started`);
      void teardown.run().then(() => process.exit(130));
    });
  }
  let code = 0;
  try {
    await main(teardown);
  } catch (err) {
    if (!teardown.interrupted) {
      log(`failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      code = 1;
    }
  }
  await teardown.run();
  process.exit(teardown.interrupted ? 130 : code);
}
