-- Message search (GET /api/search). The configuration is `simple` (every language: no stemming,
-- no stop words, lower case) with letter words unaccented first, so "Crème" matches "creme".
-- unaccent ships with PostgreSQL's contrib (a trusted extension) and with PGlite (the embedded
-- driver loads it). to_tsvector(regconfig, text) is immutable, as a generated column needs.
CREATE EXTENSION IF NOT EXISTS unaccent;--> statement-breakpoint
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'rtchat_search') THEN
    CREATE TEXT SEARCH CONFIGURATION rtchat_search (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION rtchat_search ALTER MAPPING FOR word, hword, hword_part WITH unaccent, simple;
  END IF;
END $$;--> statement-breakpoint
-- STORED explicitly: on Postgres 18 (PGlite) a bare generated column is VIRTUAL and cannot be
-- indexed. Adding it computes the vector of every existing message (a table rewrite).
ALTER TABLE "messages" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('rtchat_search'::regconfig, body)) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "messages_search_idx" ON "messages" USING gin ("search_vector");
