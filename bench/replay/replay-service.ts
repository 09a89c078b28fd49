// The Herald side: the replay service as its built bundle, configured by environment only, and
// its API as a client sees it. A job is timed from just before its POST to its `finishedAt`
// (the service's clock is this machine's), so the time covers what a user waits for: the
// request's checks and planning, the runner taking the job, and the whole run.
import { generateAdminKey } from '@herald/auth';
import type { JobView, ReplayRequest } from '@herald/replay';
import { loopback } from '../lib/bench-broker.js';
import { CONCURRENT_TRANSACTIONS_MESSAGE } from './raw-copy.js';
import { startServiceProcess, type ServiceProcess, type ServiceProcessOptions } from '../lib/service-process.js';
import type { Teardown } from '../lib/teardown.js';

export interface ReplayServiceOptions {
  brokers: string[];
  registryUrl: string;
  eventTypesTopic: string;
  signingKeys: Record<string, string>;
  postgresUrl: string;
  /** Extra settings (an experiment with a knob). */
  env: Record<string, string>;
  process?: ServiceProcessOptions;
}

export interface ReplayService {
  process: ServiceProcess;
  url: string;
  /** Starts a job; rejects unless it is created. */
  create(request: ReplayRequest): Promise<JobView>;
  get(id: string): Promise<JobView>;
  /** The value of herald_replay_checkpoints_total for a job (Prometheus text of /metrics). */
  checkpoints(id: string): Promise<number>;
  /** Produce requests kafkajs retried on CONCURRENT_TRANSACTIONS so far (it logs each as an error). */
  transactionRetries(): number;
}

/** Starts the replay's bundle; resolves once it listens and its runner has been elected. */
export async function startReplayService(teardown: Teardown, options: ReplayServiceOptions): Promise<ReplayService> {
  const adminKey = generateAdminKey();
  const proc = startServiceProcess(
    teardown,
    'replay',
    {
      HERALD_KAFKA_BROKERS: options.brokers.join(','),
      HERALD_REGISTRY_URL: options.registryUrl,
      HERALD_EVENT_TYPES_TOPIC: options.eventTypesTopic,
      HERALD_REPLAY_PORT: '0',
      HERALD_REPLAY_HOST: '127.0.0.1',
      HERALD_REPLAY_TOPIC_REPLICATION_FACTOR: '1',
      HERALD_REPLAY_POSTGRES_URL: options.postgresUrl,
      HERALD_SIGNING_KEYS: JSON.stringify(options.signingKeys),
      HERALD_ADMIN_KEY: adminKey,
      ...options.env,
    },
    options.process,
  );
  let retries = 0;
  let partial = '';
  proc.child.stdout?.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.includes(CONCURRENT_TRANSACTIONS_MESSAGE)) retries++;
  });
  const url = loopback((await proc.waitForLog((l) => l.msg === 'replay listening', 120_000)).url);
  await proc.waitForLog((l) => l.msg === 'this instance runs replay jobs now', 60_000);

  const call = async <T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    process: proc,
    url,
    async create(request) {
      const res = await call<JobView>('POST', '/v1/replays', request);
      if (res.status !== 201) throw new Error(`POST /v1/replays answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async get(id) {
      const res = await call<JobView>('GET', `/v1/replays/${id}`);
      if (res.status !== 200) throw new Error(`GET /v1/replays/${id} answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    async checkpoints(id) {
      const res = await fetch(`${url}/metrics`);
      const line = (await res.text()).split('\n').find((l) => l.startsWith('herald_replay_checkpoints_total{') && l.includes(`replay_job="${id}"`));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : Number.NaN;
    },
    transactionRetries: () => retries,
  };
}

export interface TimedJob {
  job: JobView;
  /** From just before the POST to `finishedAt`. */
  seconds: number;
  /** From `startedAt` to `finishedAt`: the run alone, without the request and the runner taking it. */
  runSeconds: number;
}

/** Runs a job to its end; fails unless it completed. */
export async function runJob(service: ReplayService, request: ReplayRequest, options: { timeoutMs: number; check?: () => void }): Promise<TimedJob> {
  const requestedAt = Date.now();
  const created = await service.create(request);
  const deadline = requestedAt + options.timeoutMs;
  for (;;) {
    const job = await service.get(created.id);
    if (job.state === 'completed') {
      const finishedAt = Date.parse(job.finishedAt!);
      return { job, seconds: (finishedAt - requestedAt) / 1000, runSeconds: (finishedAt - Date.parse(job.startedAt!)) / 1000 };
    }
    if (job.state === 'failed' || job.state === 'cancelled') throw new Error(`replay ${job.id} ${job.state}: ${JSON.stringify(job.error)}`);
    if (Date.now() > deadline) {
      const partitions = job.partitions.map((p) => `${p.partition}: ${p.position ?? p.start} of ${p.start}–${p.end}`).join(', ');
      throw new Error(`replay ${job.id} did not finish within ${options.timeoutMs / 1000} s: ${job.state}, ${JSON.stringify(job.counts)}; partitions ${partitions}`);
    }
    options.check?.();
    await new Promise((r) => setTimeout(r, 50));
  }
}
