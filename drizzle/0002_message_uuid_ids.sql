-- Message ids become UUIDv7 made by the server (issue 9 item 15): the bigint identity was one global
-- counter, so anyone could tell how many messages were sent meanwhile in rooms they cannot see.
-- Existing rows get a UUIDv7 whose time part is their created_at (the rest random), so the primary
-- key stays time-ordered; seq (per room) is untouched and stays the order and the resume cursor.
-- The table is rewritten once (all rows get a new id); nothing references messages.id.
ALTER TABLE "messages" ADD COLUMN "uuid_id" uuid;--> statement-breakpoint
UPDATE "messages" SET "uuid_id" = encode(
  set_byte(
    overlay(uuid_send(gen_random_uuid()) PLACING substring(int8send(floor(extract(epoch FROM "created_at") * 1000)::bigint) FROM 3) FROM 1 FOR 6),
    6,
    (get_byte(uuid_send(gen_random_uuid()), 6) & 15) | 112
  ),
  'hex'
)::uuid;--> statement-breakpoint
ALTER TABLE "messages" DROP COLUMN "id";--> statement-breakpoint
ALTER TABLE "messages" RENAME COLUMN "uuid_id" TO "id";--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "id" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_pkey" PRIMARY KEY ("id");
