export {
  LocalPostgres,
  LocalPostgresError,
  postgresBinDir,
  type LocalPostgresOptions,
  type PostgresStartOptions,
  type PostgresStatus,
} from './local-postgres.js';
