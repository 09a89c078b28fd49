// herald replay start|status|ls|cancel|pause|resume: replay jobs, followed live with --watch.
import { setTimeout as sleep } from 'node:timers/promises';
import { HeraldApiError } from '@herald/client';
import { listOption, numberOption, stringOption, type OptionSpecs } from '../args.js';
import { ServiceApi } from '../api.js';
import { print, type Command, type CommandContext } from '../command.js';
import { CliError, UsageError } from '../errors.js';
import { table, toJson } from '../format.js';
import { readJsonObject } from '../io.js';
import { FINAL_STATES, renderOutcome, renderProgressBar, renderProgressLine, serverSentEvents, type JobProgress } from '../progress.js';
import { requireKey } from '../settings.js';

interface Job extends JobProgress {
  kind: string;
  owner: string;
  spec: Record<string, unknown>;
  createdAt: string;
}

function replayApi(context: CommandContext): ServiceApi {
  return new ServiceApi({ url: context.settings.replayUrl, key: requireKey(context.settings) });
}

/** `topic:replay.x`, `postgres:table`, `http:https://…` → the request's target. */
export function parseTarget(text: string): Record<string, unknown> {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? text : text.slice(0, colon);
  const rest = colon < 0 ? '' : text.slice(colon + 1);
  if (rest === '') throw new UsageError(`--target must be topic:<topic>, postgres:<table> or http:<url>, got ${JSON.stringify(text)}`);
  if (kind === 'topic') return { kind, topic: rest };
  if (kind === 'postgres') return { kind, table: rest };
  if (kind === 'http') return { kind, url: rest };
  throw new UsageError(`--target must be topic:<topic>, postgres:<table> or http:<url>, got ${JSON.stringify(text)}`);
}

function timestamp(flag: string, text: string): string {
  if (Number.isNaN(Date.parse(text)) || !/^\d{4}-\d{2}-\d{2}/.test(text)) throw new UsageError(`--${flag} must be an RFC 3339 timestamp (2026-11-25T00:00:00Z), got ${JSON.stringify(text)}`);
  return text;
}

/** The body of POST /v1/replays from the flags of `replay start`. */
export function replayRequest(values: CommandContext['values'], readFile?: (path: string) => string): Record<string, unknown> {
  const types = listOption(values, 'type');
  const subscription = stringOption(values, 'subscription');
  if ((types.length > 0) === (subscription !== undefined)) throw new UsageError('give either --type (one or more) or --subscription');
  if (values['dead-letter'] === true && subscription === undefined) throw new UsageError('--dead-letter needs --subscription');
  const target = stringOption(values, 'target');
  if (target === undefined) throw new UsageError('--target is required: topic:replay.<name>, postgres:<table> or http:<url>');
  const body: Record<string, unknown> = {
    source: subscription === undefined ? { eventTypes: types } : { subscription, topic: values['dead-letter'] === true ? 'dead-letter' : 'destination' },
    target: parseTarget(target),
  };
  const description = stringOption(values, 'description');
  if (description !== undefined) body.description = description;
  const from = stringOption(values, 'from');
  if (from !== undefined) body.from = from === 'earliest' ? { earliest: true } : { timestamp: timestamp('from', from) };
  const to = stringOption(values, 'to');
  if (to !== undefined) body.to = to === 'latest' ? { latest: true } : { timestamp: timestamp('to', to) };
  const mode = stringOption(values, 'mode');
  if (mode !== undefined) {
    if (mode !== 'history' && mode !== 'latest') throw new UsageError(`--mode must be history or latest, got ${JSON.stringify(mode)}`);
    body.mode = mode;
  }
  const pattern = stringOption(values, 'pattern');
  if (pattern !== undefined) body.pattern = readJsonObject('pattern', pattern, readFile);
  const rate = numberOption(values, 'rate');
  if (rate !== undefined) body.rateLimit = rate;
  if (values['dry-run'] === true) body.dryRun = true;
  return body;
}

/** completed → 0; failed or cancelled → exit 4 with the reason. */
function finish(context: CommandContext, job: JobProgress): number {
  print(context, job, () => `${renderOutcome(job)}\n`);
  if (job.state === 'completed') return 0;
  throw new CliError('job_failed', renderOutcome(job));
}

/**
 * Follows GET /v1/replays/{id}/events until the job has finished, drawing progress on stderr.
 * A dropped stream is opened again (the first event is the job as it is now); five failed
 * connections in a row give up with the network error.
 */
export async function watchJob(context: CommandContext, api: ServiceApi, id: string): Promise<number> {
  const { io } = context;
  const tty = io.stderr.isTTY === true;
  let drawn = false;
  const show = (job: JobProgress) => {
    if (tty) {
      io.stderr.write(`\r\x1b[2K${renderProgressBar(job, io.stderr.columns ?? 80)}`);
      drawn = true;
    } else io.stderr.write(`${renderProgressLine(job)}\n`);
  };
  const endLine = () => {
    if (drawn) io.stderr.write('\n');
    drawn = false;
  };
  let failures = 0;
  let last: JobProgress | undefined;
  /** Follows the stream once: the finished job, or undefined when the stream closed before the end. */
  const follow = async (): Promise<JobProgress | undefined> => {
    const response = await api.stream(`/v1/replays/${encodeURIComponent(id)}/events`, io.signal);
    failures = 0;
    const chunks = (async function* () {
      const decoder = new TextDecoder();
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) yield decoder.decode(chunk, { stream: true });
    })();
    for await (const message of serverSentEvents(chunks)) {
      if (message.event === 'progress') {
        last = JSON.parse(message.data) as JobProgress;
        show(last);
      } else if (message.event === 'end' && last && FINAL_STATES.has(last.state)) return last;
    }
    return undefined;
  };
  try {
    for (;;) {
      let finished: JobProgress | undefined;
      try {
        finished = await follow();
      } catch (error) {
        // A problem answer (403, 404) is final; a dropped connection is tried again.
        if (io.signal.aborted || error instanceof HeraldApiError || ++failures >= 5) throw error;
      }
      if (finished === undefined) {
        // The stream closed early (a restart of the service): ask for the job, then follow again.
        await sleep(1000, undefined, { signal: io.signal });
        const job = await api.request<JobProgress>('GET', `/v1/replays/${encodeURIComponent(id)}`).catch((error: unknown) => {
          if (error instanceof HeraldApiError) throw error;
          return undefined;
        });
        if (job && FINAL_STATES.has(job.state)) finished = job;
      }
      if (finished !== undefined) {
        endLine();
        return finish(context, finished);
      }
    }
  } finally {
    endLine();
    if (io.signal.aborted) io.stderr.write(`stopped watching; replay ${id} goes on (herald replay cancel ${id} stops it)\n`);
  }
}

function jobsTable(jobs: readonly Job[]): string {
  if (jobs.length === 0) return 'no replay jobs\n';
  return table(
    ['ID', 'KIND', 'STATE', 'PHASE', 'PERCENT', 'WRITTEN', 'CREATED'],
    jobs.map((j) => [j.id, j.kind, j.state, j.phase ?? '-', j.percent === null || j.percent === undefined ? '-' : `${j.percent}%`, String(j.counts?.written ?? 0), j.createdAt]),
  );
}

const jobPath = (id: string) => `/v1/replays/${encodeURIComponent(id)}`;

const watchOption = { watch: { type: 'boolean', short: 'w' } } as const satisfies OptionSpecs;
const WATCH_HELP: readonly [string, string] = ['-w, --watch', 'follow the job live (progress on stderr); exit 0 when it completes, 4 when it fails or is cancelled'];

export const replayStart: Command = {
  path: ['replay', 'start'],
  args: '',
  summary: 'Start a replay job (--watch follows it with a progress bar)',
  options: {
    type: { type: 'string', short: 't', multiple: true },
    subscription: { type: 'string', short: 's' },
    'dead-letter': { type: 'boolean' },
    from: { type: 'string' },
    to: { type: 'string' },
    mode: { type: 'string' },
    target: { type: 'string' },
    pattern: { type: 'string', short: 'p' },
    rate: { type: 'string' },
    description: { type: 'string' },
    'dry-run': { type: 'boolean' },
    ...watchOption,
  },
  optionHelp: [
    ['-t, --type TYPE', 'a source event type (repeat for several)'],
    ['-s, --subscription NAME', 'or: what the router delivered to a subscription (its destination topic)'],
    ['--dead-letter', 'with --subscription: its dead letters instead'],
    ['--from TIME|earliest', 'where to start (RFC 3339; default earliest)'],
    ['--to TIME|latest', 'where to stop, exclusive (default latest, fixed when the job is created)'],
    ['--mode history|latest', 'every event of the range (default), or the newest per key'],
    ['--target TARGET', 'topic:replay.<name> | postgres:<table> | http:<url>'],
    ['-p, --pattern JSON|@FILE', 'only events that match this event pattern'],
    ['--rate N', 'at most N matching events per second'],
    ['--description TEXT', ''],
    ['--dry-run', 'count what would be replayed; write nothing'],
    WATCH_HELP,
  ],
  positionals: { min: 0, max: 0 },
  details: `Without --watch, prints the job (its id first) and exits.
Example:
  herald replay start --type com.acme.rides.ride.completed --from 2026-11-25T00:00:00Z \\
    --to 2026-11-26T00:00:00Z --target topic:replay.rides-25-11 --watch`,
  async run(context) {
    const body = replayRequest(context.values, context.io.readFile);
    const api = replayApi(context);
    const job = await api.request<Job>('POST', '/v1/replays', body);
    if (context.values.watch !== true) {
      print(context, job, () => `${job.id}  ${job.state}\n`);
      return 0;
    }
    context.io.stderr.write(`replay ${job.id} started\n`);
    return watchJob(context, api, job.id);
  },
};

export const replayStatus: Command = {
  path: ['replay', 'status'],
  args: '<id>',
  summary: 'Show a replay job and its progress (--watch follows it)',
  options: { ...watchOption },
  optionHelp: [WATCH_HELP],
  positionals: { min: 1, max: 1 },
  async run(context) {
    const api = replayApi(context);
    const id = context.positionals[0]!;
    if (context.values.watch === true) return watchJob(context, api, id);
    const job = await api.request<Job>('GET', jobPath(id));
    print(context, job, () => `${toJson(job, 2)}\n`);
    return 0;
  },
};

export const replayLs: Command = {
  path: ['replay', 'ls'],
  args: '',
  summary: 'List your replay jobs (all of them for an admin)',
  options: {},
  optionHelp: [],
  positionals: { min: 0, max: 0 },
  async run(context) {
    const { items } = await replayApi(context).request<{ items: Job[] }>('GET', '/v1/replays');
    print(context, { items }, () => jobsTable(items));
    return 0;
  },
};

function control(action: 'cancel' | 'pause' | 'resume', summary: string): Command {
  return {
    path: ['replay', action],
    args: '<id>',
    summary,
    options: {},
    optionHelp: [],
    positionals: { min: 1, max: 1 },
    async run(context) {
      const job = await replayApi(context).request<Job>('POST', `${jobPath(context.positionals[0]!)}/${action}`);
      print(context, job, () => `${job.id}  ${job.state}\n`);
      return 0;
    },
  };
}

export const replayCancel = control('cancel', 'Cancel a replay job (what it wrote stays)');
export const replayPause = control('pause', 'Pause a replay job at its next record');
export const replayResume = control('resume', 'Resume a paused replay job');
