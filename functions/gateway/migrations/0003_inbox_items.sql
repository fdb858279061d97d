CREATE TABLE "inbox_items" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"user_id" uuid NOT NULL,
	"template_code" text NOT NULL,
	"category" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"action_url" text,
	"avatar_url" text,
	"data" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone,
	"seen_at" timestamp with time zone,
	"archived_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "inbox_items_seq_key" ON "inbox_items" USING btree ("seq");--> statement-breakpoint
CREATE INDEX "inbox_items_user_seq_idx" ON "inbox_items" USING btree ("user_id","seq");--> statement-breakpoint
CREATE INDEX "inbox_items_user_unread_idx" ON "inbox_items" USING btree ("user_id") WHERE "inbox_items"."read_at" is null and "inbox_items"."archived_at" is null;