DROP INDEX "workflow_digests_open_key";--> statement-breakpoint
ALTER TABLE "workflow_digests" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "workflow_digests" ADD COLUMN "api_key_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "workflow_runs_created_idx" ON "workflow_runs" USING btree ("created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_digests_open_key" ON "workflow_digests" USING btree ("workflow_id","version","api_key_id","user_id","step_index","digest_key");