/**
 * The limit rows' database access: node-postgres (a Pool) on DATABASE_URL, or PGlite itself on an
 * embedded DATA_DIR (the one RtChat's server used, opened only once that server has stopped: a data
 * directory has one process at a time). Nothing of RtChat's runtime is involved.
 * On Postgres each distinct statement text runs as a named prepared statement, as RtChat runs the
 * batch insert and the history page (src/db/prepared.ts): parsed once per connection, its plan
 * kept, so the limit rows do not pay a planning RtChat does not pay.
 */
import path from 'node:path';

/** @returns {Promise<{kind:string, query:(text:string, params:unknown[])=>Promise<object[]>, close:()=>Promise<void>}>} */
export async function openRawDatabase(env, { poolSize = 10 } = {}) {
  if (env.DATABASE_URL) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: poolSize });
    const names = new Map();
    const nameOf = (text) => {
      if (!names.has(text)) names.set(text, `raw_${names.size + 1}`);
      return names.get(text);
    };
    return {
      kind: 'postgres',
      pool,
      query: async (text, params) => (await pool.query({ name: nameOf(text), text, values: params })).rows,
      close: () => pool.end(),
    };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  const client = await PGlite.create(path.join(env.DATA_DIR, 'pgdata'), { extensions: { pg_trgm } });
  return {
    kind: 'embedded',
    query: async (text, params) => (await client.query(text, params)).rows,
    close: () => client.close(),
  };
}
