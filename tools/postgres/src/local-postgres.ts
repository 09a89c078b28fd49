// Runs a throwaway PostgreSQL cluster on this machine from the installed server binaries (Debian's
// `postgresql` package: /usr/lib/postgresql/<version>/bin), one folder per cluster under
// .herald/postgres/<name>/. It listens on 127.0.0.1 only, trusts every local connection (it holds
// test and development data, nothing else) and keeps its unix socket inside its own folder, so it
// never meets the machine's own PostgreSQL in /var/run/postgresql.
//
// PostgreSQL refuses to run as root. Run as root (containers, CI), the cluster folder is handed to
// an unprivileged user (`postgres`, which the Debian package creates) and initdb/pg_ctl run as that
// user through runuser; the clients (this tool, the tests, the services) stay root and connect over TCP.
import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const toolDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(toolDir, '..', '..');

/** The user owning the clusters when this process is root; PostgreSQL will not run as root. */
const unprivilegedUser = process.env.HERALD_POSTGRES_USER ?? 'postgres';

/** Where local state lives: $HERALD_HOME, else the ignored `.herald/` folder of the checkout. */
function heraldHome(): string {
  return process.env.HERALD_HOME ? resolve(process.env.HERALD_HOME) : join(repoRoot, '.herald');
}

export class LocalPostgresError extends Error {
  override readonly name = 'LocalPostgresError';
}

function log(message: string): void {
  if (process.env.HERALD_POSTGRES_QUIET !== '1') process.stderr.write(`[local-postgres] ${message}\n`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}

/**
 * The folder holding initdb, pg_ctl and postgres: $HERALD_POSTGRES_BINDIR, else the newest
 * /usr/lib/postgresql/<version>/bin (Debian keeps them off PATH), else `pg_config --bindir`, else
 * wherever initdb is on PATH.
 */
export function postgresBinDir(): string {
  const has = (dir: string) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'));
  const fromEnv = process.env.HERALD_POSTGRES_BINDIR;
  if (fromEnv) {
    if (!has(fromEnv)) throw new LocalPostgresError(`HERALD_POSTGRES_BINDIR=${fromEnv} holds no initdb and pg_ctl`);
    return fromEnv;
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && has(join(debian, v, 'bin')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], 'bin');
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0 && has(pgConfig.stdout.trim())) return pgConfig.stdout.trim();
  const onPath = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return dirname(onPath.stdout.trim());
  throw new LocalPostgresError('no PostgreSQL server binaries (initdb, pg_ctl) found: install PostgreSQL (Debian: apt-get install postgresql), or set HERALD_POSTGRES_BINDIR');
}

/** A port nothing listens on now: the kernel's pick for a server bound to port 0. */
function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.unref();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

interface CommandResult {
  code: number;
  output: string;
}

export interface LocalPostgresOptions {
  /** The folder holding the clusters; default `<repo>/.herald/postgres` ($HERALD_HOME/postgres). */
  root?: string;
  /**
   * Server settings (postgresql.conf names) over the defaults, e.g. `{ max_connections: 200 }`.
   * Durability stays PostgreSQL's default unless set here (`fsync: false` for scratch clusters).
   */
  settings?: Record<string, string | number | boolean>;
}

export interface PostgresStartOptions {
  /** Stop the cluster and delete its data first. */
  fresh?: boolean;
  /** Listen on this port; default the port of its last start if still free, else a free one. */
  port?: number;
  timeoutMs?: number;
}

export interface PostgresStatus {
  name: string;
  running: boolean;
  pid: number | null;
  port: number | null;
  url: string | null;
  dataDir: string;
  logFile: string;
}

/** One local PostgreSQL cluster, with the database `herald` owned by the superuser `herald`. */
export class LocalPostgres {
  static readonly user = 'herald';
  static readonly database = 'herald';

  readonly name: string;
  /** This cluster's folder: data/, postgres.log, port. */
  readonly dir: string;
  private readonly settings: Record<string, string | number | boolean>;

  constructor(name = 'test', options: LocalPostgresOptions = {}) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) throw new LocalPostgresError(`invalid cluster name '${name}'`);
    this.name = name;
    this.dir = join(options.root ? resolve(options.root) : join(heraldHome(), 'postgres'), name);
    this.settings = options.settings ?? {};
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  private get portFile(): string {
    return join(this.dir, 'port');
  }

  /** The port of the running cluster (or of its last start). */
  get port(): number | null {
    if (!existsSync(this.portFile)) return null;
    const port = Number(readFileSync(this.portFile, 'utf8').trim());
    return Number.isInteger(port) && port > 0 ? port : null;
  }

  /** postgres://herald@127.0.0.1:<port>/herald; throws when the cluster was never started. */
  get url(): string {
    return this.urlFor(LocalPostgres.database);
  }

  /** The URL of another database of this cluster. */
  urlFor(database: string): string {
    const port = this.port;
    if (port === null) throw new LocalPostgresError(`PostgreSQL '${this.name}' has no port yet: start it first`);
    return `postgres://${LocalPostgres.user}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
  }

  /** The postmaster's pid if this cluster is running (postmaster.pid, checked against the process). */
  private runningPid(): number | null {
    const pidFile = join(this.dataDir, 'postmaster.pid');
    if (!existsSync(pidFile)) return null;
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return null;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes('postgres') ? pid : null;
    } catch {
      // No /proc (macOS): trust the pid file of a live process.
      return pid;
    }
  }

  status(): PostgresStatus {
    const pid = this.runningPid();
    const port = this.port;
    return {
      name: this.name,
      running: pid !== null,
      pid,
      port,
      url: pid !== null && port !== null ? this.url : null,
      dataDir: this.dataDir,
      logFile: this.logFile,
    };
  }

  /** Runs a server binary, as the unprivileged user when this process is root. */
  private run(binary: string, args: string[]): Promise<CommandResult> {
    const path = join(postgresBinDir(), binary);
    const [command, argv] = process.getuid?.() === 0 ? ['runuser', ['-u', unprivilegedUser, '--', path, ...args]] : [path, args];
    return new Promise((done) => {
      // cwd: the cluster folder, which the unprivileged user can read (the caller's cwd may be /root).
      execFile(command, argv, { cwd: this.dir, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, output: `${stdout}${stderr}${err && typeof err.code !== 'number' ? err.message : ''}` });
      });
    });
  }

  /** As root: the folder goes to the unprivileged user, who must also be able to reach it. */
  private handOver(): void {
    if (process.getuid?.() !== 0) return;
    const id = (flag: string) => spawnSync('id', [flag, unprivilegedUser], { encoding: 'utf8' });
    const uid = id('-u');
    const gid = id('-g');
    if (uid.status !== 0 || gid.status !== 0) {
      throw new LocalPostgresError(`running as root, PostgreSQL needs an unprivileged user '${unprivilegedUser}' (the Debian postgresql package creates it; or set HERALD_POSTGRES_USER)`);
    }
    chownSync(this.dir, Number(uid.stdout), Number(gid.stdout));
    for (const file of [this.logFile]) if (existsSync(file)) chownSync(file, Number(uid.stdout), Number(gid.stdout));
    const probe = spawnSync('runuser', ['-u', unprivilegedUser, '--', 'test', '-w', this.dir], { encoding: 'utf8' });
    if (probe.status !== 0) {
      throw new LocalPostgresError(
        `user '${unprivilegedUser}' cannot reach ${this.dir} (a parent folder is closed to other users, e.g. /root); put the checkout elsewhere or set HERALD_HOME to an open folder`,
      );
    }
  }

  private async initdb(): Promise<void> {
    if (existsSync(join(this.dataDir, 'PG_VERSION'))) return;
    rmSync(this.dataDir, { recursive: true, force: true });
    log(`creating cluster '${this.name}' in ${this.dataDir}`);
    // --no-sync: a cluster that has never held data is not worth an fsync of every file.
    const result = await this.run('initdb', ['-D', this.dataDir, '--auth=trust', '-U', LocalPostgres.user, '--encoding=UTF8', '--locale=C', '--no-sync']);
    if (result.code !== 0) throw new LocalPostgresError(`initdb failed for '${this.name}':\n${result.output.slice(-4000)}`);
    writeFileSync(join(this.dataDir, 'postgresql.conf'), `${readFileSync(join(this.dataDir, 'postgresql.conf'), 'utf8')}\ninclude_if_exists = 'herald.conf'\n`);
  }

  /** herald.conf, regenerated at every start: where to listen, and the caller's settings. */
  private writeSettings(port: number): void {
    // A unix socket path is limited to 107 bytes; a deep checkout gets TCP only.
    const socketDir = join(this.dataDir, `.s.PGSQL.${port}`).length < 100 ? this.dataDir : '';
    const settings: Record<string, string | number | boolean> = {
      port,
      listen_addresses: '127.0.0.1',
      unix_socket_directories: socketDir,
      max_connections: 100,
      ...this.settings,
    };
    const quote = (v: string | number | boolean) => (typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v));
    writeFileSync(
      join(this.dataDir, 'herald.conf'),
      `# Written by tools/postgres (herald); regenerated at every start.\n${Object.entries(settings)
        .map(([k, v]) => `${k} = ${quote(v)}`)
        .join('\n')}\n`,
    );
  }

  private async pickPort(requested: number | undefined): Promise<number> {
    if (requested !== undefined) {
      if (!(await portIsFree(requested))) throw new LocalPostgresError(`port ${requested} for PostgreSQL '${this.name}' is taken by another process`);
      return requested;
    }
    const last = this.port;
    if (last !== null && (await portIsFree(last))) return last;
    return freePort();
  }

  /** Creates the database `herald` once per cluster (a marker file says it exists). */
  private async createDatabase(port: number): Promise<void> {
    const marker = join(this.dir, 'database-created');
    if (existsSync(marker)) return;
    const createdb = join(postgresBinDir(), 'createdb');
    const result = spawnSync(createdb, ['-h', '127.0.0.1', '-p', String(port), '-U', LocalPostgres.user, LocalPostgres.database], { encoding: 'utf8' });
    if (result.status !== 0 && !/already exists/.test(result.stderr)) {
      throw new LocalPostgresError(`creating database '${LocalPostgres.database}' in '${this.name}' failed: ${result.error?.message ?? result.stderr}`);
    }
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  }

  /**
   * Starts the cluster (initdb on first start) and waits until it accepts connections. A cluster
   * already running is reused, so a second start is harmless.
   */
  async start(options: PostgresStartOptions = {}): Promise<{ reused: boolean }> {
    if (options.fresh) await this.wipe();
    if (this.runningPid() !== null) {
      if (options.port !== undefined && options.port !== this.port) {
        throw new LocalPostgresError(`PostgreSQL '${this.name}' already runs on port ${this.port}, not ${options.port}; stop it first`);
      }
      return { reused: true };
    }
    mkdirSync(this.dir, { recursive: true });
    this.handOver();
    await this.initdb();
    // A picked port can be taken between the pick and the bind: pick again (not a requested one).
    for (let attempt = 1; ; attempt++) {
      const port = await this.pickPort(options.port);
      this.writeSettings(port);
      writeFileSync(this.portFile, `${port}\n`);
      const timeoutSeconds = Math.ceil((options.timeoutMs ?? 60_000) / 1000);
      const result = await this.run('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', String(timeoutSeconds), 'start']);
      if (result.code === 0 && this.runningPid() !== null) {
        await this.createDatabase(port);
        log(`PostgreSQL '${this.name}' running on 127.0.0.1:${port}`);
        return { reused: false };
      }
      const logTail = tail(this.logFile);
      if (options.port === undefined && attempt < 3 && /could not bind|Address already in use/i.test(logTail)) continue;
      throw new LocalPostgresError(`PostgreSQL '${this.name}' did not start:\n${result.output.trim()}\nlast lines of ${this.logFile}:\n${logTail}`);
    }
  }

  /**
   * Stops the cluster: a fast shutdown (SIGINT: sessions are disconnected, data is checkpointed),
   * an immediate one (SIGQUIT) if it has not exited in time, SIGKILL last. Signals rather than
   * `pg_ctl stop` because root may signal the postmaster directly, and pg_ctl refuses to run as root.
   */
  async stop(timeoutMs = 30_000): Promise<void> {
    const pid = this.runningPid();
    if (pid === null) return;
    log(`stopping PostgreSQL '${this.name}'`);
    const steps: Array<[NodeJS.Signals, number]> = [
      ['SIGINT', timeoutMs],
      ['SIGQUIT', 5_000],
      ['SIGKILL', 5_000],
    ];
    for (const [signal, wait] of steps) {
      try {
        process.kill(pid, signal);
      } catch {
        break;
      }
      const deadline = Date.now() + wait;
      while (isAlive(pid) && Date.now() < deadline) await sleep(50);
      if (!isAlive(pid)) return;
      log(`PostgreSQL '${this.name}' (pid ${pid}) still running after ${signal}`);
    }
  }

  /**
   * Synchronous last resort for a process exit hook: an immediate shutdown (SIGQUIT), not waited
   * for. The next start recovers from the WAL.
   */
  stopNow(): void {
    const pid = this.runningPid();
    if (pid !== null) process.kill(pid, 'SIGQUIT');
  }

  /** Stops the cluster and deletes its folder. */
  async wipe(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
