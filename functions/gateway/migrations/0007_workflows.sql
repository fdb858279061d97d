CREATE TABLE "workflow_digest_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"digest_run_id" uuid NOT NULL,
	"from_run_id" uuid NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_digest_events_from_run_id_unique" UNIQUE("from_run_id")
);
--> statement-breakpoint
CREATE TABLE "workflow_digests" (
	"run_id" uuid PRIMARY KEY NOT NULL,
	"workflow_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"step_index" integer NOT NULL,
	"digest_key" text NOT NULL,
	"joined" integer DEFAULT 1 NOT NULL,
	"closes_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workflow_run_steps" (
	"run_id" uuid NOT NULL,
	"step_index" integer NOT NULL,
	"state" text NOT NULL,
	"notification_id" uuid,
	"detail" text,
	"wait_until" timestamp with time zone,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "workflow_run_steps_run_id_step_index_pk" PRIMARY KEY("run_id","step_index")
);
--> statement-breakpoint
CREATE TABLE "workflow_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"workflow_id" uuid NOT NULL,
	"workflow_key" text NOT NULL,
	"version" integer NOT NULL,
	"api_key_id" text NOT NULL,
	"request_id" text NOT NULL,
	"request_hash" text NOT NULL,
	"user_id" uuid NOT NULL,
	"payload" jsonb NOT NULL,
	"correlation_id" text NOT NULL,
	"state" text NOT NULL,
	"step_index" integer DEFAULT 0 NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"leased_until" timestamp with time zone,
	"events" jsonb,
	"merged_into" uuid,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "workflow_throttle_passes" (
	"workflow_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"step_index" integer NOT NULL,
	"run_id" uuid NOT NULL,
	"passed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_throttle_passes_run_id_step_index_pk" PRIMARY KEY("run_id","step_index")
);
--> statement-breakpoint
CREATE TABLE "workflow_versions" (
	"workflow_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"steps" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflow_versions_workflow_id_version_pk" PRIMARY KEY("workflow_id","version")
);
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"workflow_key" text NOT NULL,
	"name" text NOT NULL,
	"active_version" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "workflows_workflow_key_unique" UNIQUE("workflow_key")
);
--> statement-breakpoint
ALTER TABLE "workflow_run_steps" ADD CONSTRAINT "workflow_run_steps_run_id_workflow_runs_id_fk" FOREIGN KEY ("run_id") REFERENCES "public"."workflow_runs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workflow_versions" ADD CONSTRAINT "workflow_versions_workflow_id_workflows_id_fk" FOREIGN KEY ("workflow_id") REFERENCES "public"."workflows"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "workflow_digest_events_digest_idx" ON "workflow_digest_events" USING btree ("digest_run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_digests_open_key" ON "workflow_digests" USING btree ("workflow_id","user_id","step_index","digest_key");--> statement-breakpoint
CREATE UNIQUE INDEX "workflow_runs_api_key_request_key" ON "workflow_runs" USING btree ("api_key_id","request_id");--> statement-breakpoint
CREATE INDEX "workflow_runs_due_idx" ON "workflow_runs" USING btree ("due_at") WHERE "workflow_runs"."state" = 'running';--> statement-breakpoint
CREATE INDEX "workflow_throttle_passes_window_idx" ON "workflow_throttle_passes" USING btree ("workflow_id","user_id","step_index","passed_at");