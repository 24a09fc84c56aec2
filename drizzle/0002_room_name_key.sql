-- Room names are unique among PUBLIC rooms only, compared by a look-alike key (name_key, computed
-- by the server: src/lib/confusables.ts). Rooms from before this migration get their key from the
-- start-up backfill (rooms repository, backfillNameKeys); until then they have none.
DROP INDEX "rooms_name_lower_key";--> statement-breakpoint
ALTER TABLE "rooms" ADD COLUMN "name_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "rooms_public_name_key" ON "rooms" USING btree ("name_key") WHERE NOT "rooms"."is_private";--> statement-breakpoint
-- Public room search matches descriptions too (served like the name search, by a trigram index).
CREATE INDEX IF NOT EXISTS "rooms_public_description_trgm_idx" ON "rooms" USING gin (lower("description") gin_trgm_ops) WHERE NOT "is_private";
