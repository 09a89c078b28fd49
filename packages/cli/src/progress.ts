// A replay's progress as people and scripts see it, and the server-sent events it arrives in.

/** The fields of a replay job (docs/replay-api.md) that progress shows. */
export interface JobProgress {
  id: string;
  state: string;
  phase?: string | null;
  percent?: number | null;
  rate?: number | null;
  etaSeconds?: number | null;
  counts?: { read?: number; matched?: number; written?: number; rejected?: number };
  error?: { code: string; message: string } | null;
}

export const FINAL_STATES: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/** Events per second, short: 950/s, 12.5k/s, 3.2M/s. */
export function formatRate(rate: number): string {
  if (rate >= 1_000_000) return `${(rate / 1_000_000).toFixed(1)}M/s`;
  if (rate >= 10_000) return `${Math.round(rate / 1000)}k/s`;
  if (rate >= 1000) return `${(rate / 1000).toFixed(1)}k/s`;
  return `${Math.round(rate)}/s`;
}

function percentText(job: JobProgress): string {
  return job.percent === null || job.percent === undefined ? '  --%' : `${job.percent.toFixed(1).padStart(5)}%`;
}

function details(job: JobProgress): string {
  const rate = job.rate === null || job.rate === undefined ? '--/s' : formatRate(job.rate);
  const eta = job.etaSeconds === null || job.etaSeconds === undefined ? '--:--' : formatDuration(job.etaSeconds);
  const counts = job.counts ?? {};
  const phase = job.phase ? ` ${job.phase}` : '';
  return `${rate}  ETA ${eta}  ${job.state}${phase}  read ${counts.read ?? 0} written ${counts.written ?? 0}`;
}

/** A bar for a terminal line of `columns` characters: `[#####-----]  42.5%  4.0k/s  ETA 0:02  running history  read … written …`. */
export function renderProgressBar(job: JobProgress, columns = 80): string {
  const text = `  ${percentText(job)}  ${details(job)}`;
  const barWidth = Math.max(10, Math.min(40, columns - text.length - 3));
  const filled = job.percent === null || job.percent === undefined ? 0 : Math.round((Math.min(100, Math.max(0, job.percent)) / 100) * barWidth);
  const line = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${text}`;
  // Never wider than the terminal: a wrapped line cannot be redrawn in place.
  return line.length > columns - 1 ? line.slice(0, Math.max(0, columns - 1)) : line;
}

/** One line per update when stderr is not a terminal (CI logs, pipes). */
export function renderProgressLine(job: JobProgress): string {
  return `replay ${job.id}: ${percentText(job).trim()}  ${details(job)}`;
}

/** The closing summary of a finished job. */
export function renderOutcome(job: JobProgress): string {
  const counts = job.counts ?? {};
  const base = `replay ${job.id} ${job.state}: read ${counts.read ?? 0}, matched ${counts.matched ?? 0}, written ${counts.written ?? 0}, rejected ${counts.rejected ?? 0}`;
  return job.error ? `${base} — ${job.error.code}: ${job.error.message}` : base;
}

export interface ServerSentEvent {
  event: string;
  data: string;
}

/**
 * Server-sent events from a stream of text chunks (the WHATWG rules this service needs: `event`,
 * multi-line `data`, comments, CRLF). An event without a name is `message`.
 */
export async function* serverSentEvents(chunks: AsyncIterable<string>): AsyncGenerator<ServerSentEvent> {
  let buffered = '';
  let event = '';
  let data: string[] = [];
  for await (const chunk of chunks) {
    buffered += chunk;
    let newline;
    while ((newline = buffered.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + (buffered.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (data.length > 0) yield { event: event || 'message', data: data.join('\n') };
        event = '';
        data = [];
      } else if (!line.startsWith(':')) {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  }
}
