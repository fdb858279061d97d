CREATE TABLE "queue_messages" (
	"id" uuid PRIMARY KEY NOT NULL,
	"routing_key" text NOT NULL,
	"body" text NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"priority" smallint DEFAULT 0 NOT NULL,
	"attempt" integer DEFAULT 1 NOT NULL,
	"deliveries" integer DEFAULT 0 NOT NULL,
	"visible_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease" uuid,
	"dead_at" timestamp with time zone,
	"dead_reason" text
);
--> statement-breakpoint
CREATE INDEX "queue_messages_ready_idx" ON "queue_messages" USING btree ("routing_key","priority" DESC NULLS LAST,"visible_at") WHERE "queue_messages"."dead_at" is null;--> statement-breakpoint
CREATE INDEX "queue_messages_dead_idx" ON "queue_messages" USING btree ("dead_at","id") WHERE "queue_messages"."dead_at" is not null;