ALTER TABLE "sessions" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "last_seen_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "display_name" text;--> statement-breakpoint
-- Sessions that existed before last_seen_at was tracked were last seen, as far as we know, when they began.
UPDATE "sessions" SET "last_seen_at" = "created_at";
