CREATE TABLE "fanouts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"api_key_id" text NOT NULL,
	"request_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"topic_key" text NOT NULL,
	"request" jsonb NOT NULL,
	"correlation_id" text NOT NULL,
	"traceparent" text,
	"state" text NOT NULL,
	"error" text,
	"total" integer NOT NULL,
	"created" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"cursor" uuid,
	"leased_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE UNIQUE INDEX "fanouts_api_key_request_key" ON "fanouts" USING btree ("api_key_id","request_id");--> statement-breakpoint
CREATE INDEX "fanouts_running_idx" ON "fanouts" USING btree ("leased_until") WHERE "fanouts"."state" = 'running';