#!/usr/bin/env -S node --import tsx
// herald-postgres: run a local PostgreSQL. `npm run postgres -- <command> [--name name] [--port n]`.
import { parseArgs } from 'node:util';
import { LocalPostgres, LocalPostgresError } from './local-postgres.js';

const usage = `usage: herald-postgres <command> [--name test] [--port n] [--fresh]

commands:
  start     start the cluster (initdb on first start; reuses a running one) and print its URL
  stop      stop it (fast shutdown; immediate after 30 s)
  status    show whether it runs: pid, port, URL, data folder, log file
  url       print its URL (postgres://herald@127.0.0.1:<port>/herald)
  wipe      stop it and delete its data

Clusters live in .herald/postgres/<name>/; the default name is 'test'. The port is a free one
picked at first start (or --port), kept across restarts while it stays free.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      name: { type: 'string', short: 'n', default: 'test' },
      port: { type: 'string', short: 'p' },
      fresh: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    console.error(`invalid --port '${values.port}'`);
    return 2;
  }
  const postgres = new LocalPostgres(values.name);
  switch (command) {
    case 'start': {
      const { reused } = await postgres.start({ fresh: values.fresh, port });
      console.log(`${reused ? 'already running' : 'started'}: ${postgres.url}`);
      return 0;
    }
    case 'stop':
      await postgres.stop();
      return 0;
    case 'status': {
      const s = postgres.status();
      console.log(`${s.name}  ${s.running ? `running (pid ${s.pid})  ${s.url}` : 'stopped'}  data ${s.dataDir}  log ${s.logFile}`);
      return 0;
    }
    case 'url': {
      const s = postgres.status();
      if (!s.url) {
        console.error(`PostgreSQL '${s.name}' is not running; start it with: npm run postgres -- start --name ${s.name}`);
        return 3;
      }
      console.log(s.url);
      return 0;
    }
    case 'wipe':
      await postgres.wipe();
      return 0;
    default:
      console.error(`unknown command '${command}'\n\n${usage}`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof LocalPostgresError ? err.message : err);
    process.exit(1);
  },
);
