// A service's built bundle (services/<name>/dist/main.mjs) run as a real process, configured by
// environment only, as it runs in a container.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Teardown } from './teardown.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function bundlePath(service: string): string {
  return resolve(repoRoot, 'services', service, 'dist', 'main.mjs');
}

/**
 * Brings the bundles up to date with `turbo run build` (a cache hit when nothing changed). When
 * that fails — another change in progress — a bundle that exists is used, with a warning.
 */
export function buildBundles(services: string[]): void {
  const result = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only', ...services.map((s) => `--filter=@herald/${s}`)], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status === 0) return;
  const missing = services.filter((s) => !existsSync(bundlePath(s)));
  const output = `${result.stdout}${result.stderr}`.slice(-3000);
  if (missing.length > 0) throw new Error(`building ${missing.join(', ')} failed:\n${output}`);
  process.stderr.write(`[bench] warning: the build failed; benchmarking the bundles already in dist/:\n${output}\n`);
}

const MAX_KEPT_OUTPUT = 64 * 1024;

export interface ServiceProcessOptions {
  /** Node flags before the script, e.g. --cpu-prof (which NODE_OPTIONS may not carry). */
  nodeArgs?: string[];
  /** Another build of the service (an experiment); default services/<name>/dist/main.mjs. */
  bundle?: string;
}

export class ServiceProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private out = '';
  private err = '';

  constructor(
    readonly service: string,
    env: Record<string, string>,
    options: ServiceProcessOptions = {},
  ) {
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? []), options.bundle ?? bundlePath(service)], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Keeps the end of the output: enough to explain a failure, bounded on a long run.
    this.child.stdout?.on('data', (d: Buffer) => (this.out = (this.out + d.toString()).slice(-MAX_KEPT_OUTPUT)));
    this.child.stderr?.on('data', (d: Buffer) => (this.err = (this.err + d.toString()).slice(-MAX_KEPT_OUTPUT)));
    this.exited = new Promise((done) => this.child.on('exit', (code, signal) => done({ code, signal })));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error(`${this.service} did not start`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines of its output, for an error message. */
  tail(lines = 30): string {
    return `${this.out}${this.err}`.trim().split('\n').slice(-lines).join('\n');
  }

  /** The first JSON log line that matches; rejects when the process exits or the time is up. */
  async waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs = 60_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      for (const line of this.out.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (match(parsed)) return parsed;
        } catch {
          // a line still being written
        }
      }
      if (!this.running) throw new Error(`${this.service} exited (${this.child.exitCode ?? this.child.signalCode}):\n${this.tail()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.service}: no matching log line within ${timeoutMs} ms:\n${this.tail()}`);
  }

  /** SIGTERM (a graceful stop, which also writes a --cpu-prof profile), SIGKILL after `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((done) => {
      timer = setTimeout(() => {
        this.child.kill('SIGKILL');
        done();
      }, graceMs);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }
}

/** Starts a service bundle and registers its stop with the teardown. */
export function startServiceProcess(teardown: Teardown, service: string, env: Record<string, string>, options: ServiceProcessOptions = {}): ServiceProcess {
  const proc = new ServiceProcess(service, env, options);
  teardown.add(service, () => proc.stop());
  return proc;
}
