// A PostgreSQL table as a replay target: the latest state per key, written with version-guarded
// upserts so that a replay can run again, or overlap an earlier one, and leave the same table.
//
// One batch is one transaction of at most a few statements whatever its size: changes are folded
// to the last one per key, the upserts go as one INSERT … SELECT FROM unnest(text[] per column)
// … ON CONFLICT DO UPDATE per 5,000 rows, the deletions as one DELETE … USING unnest(). Every
// value travels as text and is cast in the SELECT, so the statement text depends only on the
// table, and no value is ever spliced into SQL. Columns: see postgres-columns.ts.
import type { Pool, PoolClient } from 'pg';
import {
  PostgresTargetError,
  arrayLiteral,
  catalogTypeNames,
  jsonArrayLiteral,
  encodeUpserts,
  foldChanges,
  parseTableName,
  quoteIdent,
  tableLayout,
  type ColumnType,
  type TableColumn,
  type TableLayout,
  type TableName,
} from './postgres-columns.js';
import type { RowChange } from './sink.js';

export type { RowChange } from './sink.js';
export {
  PostgresTargetError,
  postgresTargetErrorCodes,
  type ColumnType,
  type PostgresTargetErrorCode,
  type TableColumn,
} from './postgres-columns.js';

/** Rows per statement: large enough that the round trip does not count, small enough for memory. */
const rowsPerStatement = 5_000;

export interface PostgresTableOptions {
  pool: Pool;
  /** `table` or `schema.table`: lower-case letters, digits and underscores. */
  table: string;
  /** The Avro schema (JSON) of each source type's current schema; all records. */
  schemas: unknown[];
  /** A top-level field holding the partition key: it becomes the primary key. Else `_herald_key text`. */
  keyField?: string;
}

export interface ApplyResult {
  /** Rows inserted or updated (an equal version is applied again). */
  written: number;
  /** Upserts refused by the version guard: the row holds a newer version. */
  skipped: number;
  /** Rows deleted. */
  deleted: number;
}

const castOf = (type: ColumnType) => (type === 'text' ? '' : `::${type}`);

interface ExistingColumn {
  name: string;
  type: string;
  notnull: boolean;
  hasdefault: boolean;
  primary: boolean;
}

export class PostgresTable {
  private readonly upsertSql: string;
  private readonly deleteSql: string;

  private constructor(
    private readonly pool: Pool,
    readonly name: TableName,
    private readonly layout: TableLayout,
  ) {
    const t = name.sql;
    const key = quoteIdent(layout.key.name);
    const columns = layout.columns;
    const aliases = columns.map((_, i) => `c${i}`);
    const version = quoteIdent('_herald_version');
    this.upsertSql = [
      `INSERT INTO ${t} AS t (${columns.map((c) => quoteIdent(c.name)).join(', ')})`,
      `SELECT ${columns.map((c, i) => `d.${aliases[i]}${castOf(c.type)}`).join(', ')}`,
      `FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')}) AS d(${aliases.join(', ')})`,
      `ON CONFLICT (${key}) DO UPDATE SET ${columns
        .filter((c) => c.role !== 'key')
        .map((c) => `${quoteIdent(c.name)} = EXCLUDED.${quoteIdent(c.name)}`)
        .join(', ')}`,
      `WHERE t.${version} <= EXCLUDED.${version}`,
    ].join('\n');
    this.deleteSql = `DELETE FROM ${t} AS t USING unnest($1::text[], $2::bigint[]) AS d(k, v) WHERE t.${key} = d.k${castOf(layout.key.type)} AND t.${version} <= d.v`;
  }

  /** The table's columns in order: key, data fields, provenance. */
  get columns(): TableColumn[] {
    return this.layout.columns.map((c) => ({ ...c }));
  }

  /**
   * Resolves the columns from the schemas, then creates the table (and its schema) if missing, or
   * checks an existing one: the same primary key, the expected type for every expected column that
   * exists, and adds the columns a newer schema brought (nullable). Holds an advisory lock while it
   * does, so that two replays opening one table do not race.
   */
  static async open(options: PostgresTableOptions): Promise<PostgresTable> {
    const name = parseTableName(options.table);
    const layout = tableLayout({ schemas: options.schemas, keyField: options.keyField });
    const table = new PostgresTable(options.pool, name, layout);
    await table.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`herald.replay.table:${name.sql}`]);
      if (name.schema !== undefined) {
        const schema = await client.query('SELECT to_regnamespace($1) IS NOT NULL AS found', [quoteIdent(name.schema)]);
        if (!schema.rows[0]?.found) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(name.schema)}`);
      }
      const found = await client.query<{ oid: string; kind: string }>(
        'SELECT c.oid::text AS oid, c.relkind::text AS kind FROM pg_class c WHERE c.oid = to_regclass($1)',
        [name.sql],
      );
      const relation = found.rows[0];
      if (!relation) await client.query(table.createSql());
      else await table.reconcile(client, relation.oid, relation.kind);
    });
    return table;
  }

  private createSql(): string {
    const columns = this.layout.columns.map((c) => {
      const constraint = c.role === 'key' ? ' PRIMARY KEY' : c.name === '_herald_version' ? ' NOT NULL' : '';
      return `  ${quoteIdent(c.name)} ${c.type}${constraint}`;
    });
    return `CREATE TABLE IF NOT EXISTS ${this.name.sql} (\n${columns.join(',\n')}\n)`;
  }

  /** Checks an existing table against the layout and adds the missing columns. */
  private async reconcile(client: PoolClient, oid: string, kind: string): Promise<void> {
    const mismatch = (detail: string) => new PostgresTargetError('table_mismatch', `table ${this.name.sql} exists but ${detail}`);
    if (kind !== 'r' && kind !== 'p') throw mismatch(`is not a table (relkind '${kind}')`);
    const result = await client.query<ExistingColumn>(
      `SELECT a.attname AS name, format_type(a.atttypid, NULL) AS type, a.attnotnull AS notnull,
              (a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '') AS hasdefault,
              coalesce(a.attnum = ANY ((SELECT i.indkey FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary)::int2[]), false) AS primary
         FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [oid],
    );
    const existing = new Map(result.rows.map((c) => [c.name, c]));
    const primary = result.rows.filter((c) => c.primary).map((c) => c.name);
    const key = this.layout.key;
    if (primary.length !== 1 || primary[0] !== key.name) {
      throw mismatch(`its primary key is ${primary.length === 0 ? 'missing' : `(${primary.join(', ')})`}; expected ("${key.name}" ${key.type})`);
    }
    if (!existing.has('_herald_version')) throw mismatch('has no column "_herald_version": it is not a replay target table');
    const wrongTypes = this.layout.columns
      .filter((c) => existing.has(c.name) && existing.get(c.name)!.type !== catalogTypeNames[c.type])
      .map((c) => `column "${c.name}" is ${existing.get(c.name)!.type}, expected ${catalogTypeNames[c.type]}`);
    if (wrongTypes.length > 0) throw mismatch(wrongTypes.join('; '));
    const expected = new Set(this.layout.columns.map((c) => c.name));
    const blocking = result.rows.filter((c) => !expected.has(c.name) && c.notnull && !c.hasdefault).map((c) => `"${c.name}"`);
    if (blocking.length > 0) throw mismatch(`has NOT NULL columns without a default that no source field fills: ${blocking.join(', ')}`);
    const missing = this.layout.columns.filter((c) => !existing.has(c.name));
    if (missing.length > 0) {
      await client.query(`ALTER TABLE ${this.name.sql} ${missing.map((c) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${c.type}`).join(', ')}`);
    }
  }

  /**
   * Applies a batch in one transaction: the last change per key, upserted unless a newer version
   * is already there, or deleted unless a newer version is there. Applying the same changes again,
   * or older ones after newer ones, leaves the table as it is. A deletion leaves no row behind:
   * an older upsert applied after it would bring the row back (a replay applies them in order).
   */
  async apply(changes: readonly RowChange[]): Promise<ApplyResult> {
    const result: ApplyResult = { written: 0, skipped: 0, deleted: 0 };
    if (changes.length === 0) return result;
    const folded = foldChanges(changes);
    const upserts = folded.filter((c) => !c.deleted);
    const deletions = folded.filter((c) => c.deleted);
    // Encode before the transaction opens: a value the column cannot take fails without a round trip.
    const upsertParams: Array<{ rows: number; params: string[] }> = [];
    for (let i = 0; i < upserts.length; i += rowsPerStatement) {
      const chunk = upserts.slice(i, i + rowsPerStatement);
      const columns = this.layout.columns;
      const params = encodeUpserts(this.layout, chunk).map((values, c) => (columns[c]!.type === 'jsonb' ? jsonArrayLiteral(values) : arrayLiteral(values)));
      upsertParams.push({ rows: chunk.length, params });
    }
    await this.transaction(async (client) => {
      for (const { rows, params } of upsertParams) {
        const written = (await client.query(this.upsertSql, params)).rowCount ?? 0;
        result.written += written;
        result.skipped += rows - written;
      }
      for (let i = 0; i < deletions.length; i += rowsPerStatement) {
        const chunk = deletions.slice(i, i + rowsPerStatement);
        const res = await client.query(this.deleteSql, [arrayLiteral(chunk.map((c) => c.key)), arrayLiteral(chunk.map((c) => c.version.toString()))]);
        result.deleted += res.rowCount ?? 0;
      }
    });
    return result;
  }

  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (err) {
      // A connection that cannot even roll back is not given back to the pool.
      await client.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      });
      throw err;
    } finally {
      client.release(broken);
    }
  }
}
