-- Public room search: case-insensitive substring match on the name, served by a trigram index.
-- (pg_trgm ships with PostgreSQL's contrib and with PGlite; the embedded driver loads it.)
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "rooms_public_name_trgm_idx" ON "rooms" USING gin (lower("name") gin_trgm_ops) WHERE NOT "is_private";
