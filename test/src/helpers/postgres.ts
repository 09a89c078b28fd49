// Test helpers for a real PostgreSQL: one cluster per test process (test files run in parallel
// processes, and a process must stop what it started), a pool ended when the test ends, and a
// unique schema per test, dropped when the test ends.
//
// A test file that uses these registers the stop at file level: `after(stopTestPostgres)`.
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { LocalPostgres } from '@herald/local-postgres';
import { cleanup } from './kafka.js';

let started: Promise<string> | undefined;
let cluster: LocalPostgres | undefined;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Clusters of test processes that died without stopping theirs (SIGKILL, a crashed runner). */
async function wipeOrphans(root: string): Promise<void> {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return;
  }
  for (const name of names) {
    const owner = /^test-(\d+)$/.exec(name)?.[1];
    if (owner && Number(owner) !== process.pid && !isAlive(Number(owner))) await new LocalPostgres(name).wipe();
  }
}

/**
 * The URL of the test PostgreSQL: $HERALD_TEST_POSTGRES_URL if a runner started one, else a
 * cluster `test-<pid>` this process starts (once) and `stopTestPostgres` stops and deletes.
 */
export function testPostgres(): Promise<string> {
  started ??= (async () => {
    const fromEnv = process.env.HERALD_TEST_POSTGRES_URL;
    if (fromEnv) return fromEnv;
    process.env.HERALD_POSTGRES_QUIET ??= '1';
    const postgres = new LocalPostgres(`test-${process.pid}`);
    await wipeOrphans(dirname(postgres.dir));
    cluster = postgres;
    // The last resort if the process exits without its `after` hook: an immediate shutdown.
    process.once('exit', () => postgres.stopNow());
    await postgres.start({ fresh: true, timeoutMs: 60_000 });
    return postgres.url;
  })();
  return started;
}

/** Stops and deletes the cluster this process started, if any. */
export async function stopTestPostgres(): Promise<void> {
  const postgres = cluster;
  cluster = undefined;
  started = undefined;
  await postgres?.wipe();
}

/** A pool on the test database, ended when the test ends. */
export async function testPool(t: TestContext, options: pg.PoolConfig = {}): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: await testPostgres(), max: 4, ...options });
  cleanup(t, () => pool.end());
  return pool;
}

/** A schema of its own for this test (`t_<pid>_<random>`), dropped with its tables when the test ends. */
export async function testSchema(t: TestContext, pool: pg.Pool): Promise<string> {
  const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await pool.query(`CREATE SCHEMA "${schema}"`);
  cleanup(t, () => pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
  return schema;
}
