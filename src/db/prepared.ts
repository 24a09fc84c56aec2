/**
 * Prepared statements on Postgres for the statements the application sends over and over (the
 * writer's batch insert): each distinct statement text gets a name, and node-postgres prepares a
 * named statement once per connection, so Postgres parses it once per connection and can keep a
 * generic plan, instead of parsing and planning every batch again.
 *
 * Invariant: one name always means one text (node-postgres refuses a name reused with another
 * text), so names are handed out per text; past MAX_NAMED texts, statements run unnamed.
 * Statement texts that name their columns (no `SELECT *`) stay valid across schema changes.
 */
import type pg from 'pg';
import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';

/** Texts given a name at most; a handful are used (one per shape of the batch insert). */
export const MAX_NAMED = 32;

export type PreparedRunner = <T>(query: SQL) => Promise<T[]>;

const dialect = new PgDialect();

export function preparedRunner(pool: pg.Pool): PreparedRunner {
  const names = new Map<string, string>();
  return async <T>(query: SQL): Promise<T[]> => {
    const { sql: text, params } = dialect.sqlToQuery(query);
    let name = names.get(text);
    if (name === undefined && names.size < MAX_NAMED) {
      name = `rtchat_${names.size + 1}`;
      names.set(text, name);
    }
    const result = await pool.query({ ...(name ? { name } : {}), text, values: params as unknown[] });
    return result.rows as T[];
  };
}
