// The PostgreSQL half: a throwaway cluster (`LocalPostgres('bench')`, fresh, wiped at the end),
// the CPU its processes use, and the baseline of a replay into a table: `COPY … FROM STDIN` of
// the same rows into a table like the replay's, without its primary key.
//
// The rows are built once, before anything is timed, from the same events the replay reads:
// each decoded as the replay decodes it (SchemaCodec.decodePlain) and laid out in the replay's
// columns (PostgresTable's layout: key, data fields, provenance), as COPY's text format.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readVerifiedAttributes, type HeraldAttributes } from '@herald/envelope';
import { LocalPostgres } from '@herald/local-postgres';
import { PostgresTable, type TableColumn } from '@herald/replay/sinks/postgres';
import type { SchemaCodec } from '@herald/schemas';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Teardown } from '../lib/teardown.js';

export interface BenchPostgres {
  url: string;
  /** The postmaster: its sessions are its children. */
  pid: number;
  pool: pg.Pool;
}

export async function startBenchPostgres(teardown: Teardown): Promise<BenchPostgres> {
  const cluster = new LocalPostgres('bench');
  teardown.add('PostgreSQL (bench)', () => cluster.wipe());
  await cluster.start({ fresh: true });
  const pid = cluster.status().pid;
  if (pid === null) throw new Error('the bench PostgreSQL is not running after start');
  const pool = new pg.Pool({ connectionString: cluster.url, max: 2 });
  teardown.add('PostgreSQL pool', () => pool.end());
  return { url: cluster.url, pid, pool };
}

const ticksPerSecond = (() => {
  const ticks = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
  return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
})();

function statFields(pid: number | string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined; // exited meanwhile
  }
}

/**
 * CPU seconds of a cluster so far: the postmaster's own and its finished sessions' (cutime,
 * cstime: it waits for them), and its running sessions' and workers'.
 */
export function clusterCpuSeconds(postmaster: number): number {
  const own = statFields(postmaster);
  if (!own) return 0;
  // fields[0] is stat's field 3: utime, stime, cutime, cstime are fields 14–17; ppid is field 4.
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    if (fields && Number(fields[1]) === postmaster) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / ticksPerSecond;
}

/** The table a replay of the type creates (PostgresTable's own layout), created once as a template. */
export async function templateTable(pool: pg.Pool, options: { table: string; schema: unknown; keyField: string }): Promise<TableColumn[]> {
  const table = await PostgresTable.open({ pool, table: options.table, schemas: [options.schema], keyField: options.keyField });
  return table.columns;
}

/** COPY's text format: backslash, tab, newline and carriage return escaped; NULL as \N. */
function copyText(value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : text;
}

/** The value of a column for one event, as the replay fills it (version: the source offset). */
function columnValue(column: TableColumn, attributes: HeraldAttributes, data: Record<string, unknown>, offset: string): unknown {
  if (column.role === 'key') return attributes.partitionkey;
  if (column.role === 'data') return data[column.name];
  switch (column.name) {
    case '_herald_version':
      return offset;
    case '_herald_event_id':
      return attributes.id;
    case '_herald_event_type':
      return attributes.type;
    case '_herald_source':
      return attributes.source;
    case '_herald_event_time':
      return attributes.time;
    case '_herald_recorded_time':
      return attributes.recordedtime;
    default:
      throw new Error(`the COPY baseline does not know the provenance column ${column.name}`);
  }
}

export interface CopyRows {
  rows: number;
  bytes: number;
  /** COPY text, in chunks of about 256 KiB. */
  chunks: Buffer[];
}

/** Reads the whole topic as it is now and builds one COPY row per event. */
export async function buildCopyRows(options: { kafka: Kafka; admin: Admin; codec: SchemaCodec; topic: string; columns: TableColumn[] }): Promise<CopyRows> {
  const { kafka, topic, columns } = options;
  const ends = new Map((await options.admin.fetchTopicOffsets(topic)).map((p) => [p.partition, BigInt(p.high)]));
  const remaining = new Set([...ends].filter(([, end]) => end > 0n).map(([partition]) => partition));
  const chunks: Buffer[] = [];
  let lines: string[] = [];
  let lineBytes = 0;
  let rows = 0;
  let bytes = 0;
  const cut = () => {
    if (lines.length === 0) return;
    const chunk = Buffer.from(lines.join(''));
    chunks.push(chunk);
    bytes += chunk.length;
    lines = [];
    lineBytes = 0;
  };
  const consumer = kafka.consumer({ groupId: `bench-copy-rows.${Date.now()}`, readUncommitted: false, maxBytesPerPartition: 4 * 1_048_576, maxWaitTimeInMs: 200 });
  let failure: unknown;
  let allRead!: () => void;
  const done = new Promise<void>((resolve) => (allRead = resolve));
  if (remaining.size === 0) allRead();
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        try {
          const end = ends.get(batch.partition) ?? 0n;
          for (const message of batch.messages) {
            if (BigInt(message.offset) >= end || !message.value) continue;
            // The bench wrote these records itself: no signature to check.
            const attributes = readVerifiedAttributes({ key: message.key, value: message.value, headers: message.headers ?? {} });
            const data = await options.codec.decodePlain<Record<string, unknown>>(message.value);
            const line = `${columns.map((c) => copyText(columnValue(c, attributes, data, message.offset))).join('\t')}\n`;
            lines.push(line);
            lineBytes += line.length;
            rows++;
            if (lineBytes >= 256 * 1024) cut();
          }
          if (BigInt(batch.lastOffset()) + 1n >= end && remaining.delete(batch.partition)) {
            consumer.pause([{ topic, partitions: [batch.partition] }]);
            if (remaining.size === 0) allRead();
          }
        } catch (error) {
          failure ??= error;
          allRead();
        }
      },
    });
    await done;
    if (failure !== undefined) throw failure;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  cut();
  return { rows, bytes, chunks };
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface CopyResult {
  rows: number;
  /** COPY … FROM STDIN alone: from sending the statement until the server has committed it. */
  seconds: number;
}

/**
 * Creates `table` like `like` without its primary key (the rows repeat keys), then times one
 * `COPY … FROM STDIN` of every row.
 */
export async function copyInto(pool: pg.Pool, options: { table: string; like: string; columns: TableColumn[]; rows: CopyRows }): Promise<CopyResult> {
  const client = await pool.connect();
  try {
    await client.query(`CREATE TABLE ${quoteIdent(options.table)} (LIKE ${quoteIdent(options.like)} INCLUDING DEFAULTS)`);
    const statement = `COPY ${quoteIdent(options.table)} (${options.columns.map((c) => quoteIdent(c.name)).join(', ')}) FROM STDIN`;
    const startedAt = performance.now();
    const stream = client.query(copyFrom(statement));
    await pipeline(Readable.from(options.rows.chunks), stream);
    const seconds = (performance.now() - startedAt) / 1000;
    return { rows: stream.rowCount, seconds };
  } finally {
    client.release();
  }
}

/** Rows of a table. */
export async function countRows(pool: pg.Pool, table: string): Promise<number> {
  const result = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(table)}`);
  return Number(result.rows[0]?.n ?? 0);
}
