CREATE TABLE "template_active_versions" (
	"template_id" uuid NOT NULL,
	"language" text NOT NULL,
	"version_id" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "template_active_versions_template_id_language_pk" PRIMARY KEY("template_id","language")
);
--> statement-breakpoint
CREATE TABLE "template_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"template_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"language" text NOT NULL,
	"content" jsonb NOT NULL,
	"variables" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "template_versions_template_version_key" UNIQUE("template_id","version"),
	CONSTRAINT "template_versions_version_check" CHECK ("template_versions"."version" > 0)
);
--> statement-breakpoint
CREATE TABLE "templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"template_code" text NOT NULL,
	"channel" text NOT NULL,
	"category" text NOT NULL,
	"default_language" text NOT NULL,
	"description" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "templates_code_channel_key" UNIQUE("template_code","channel"),
	CONSTRAINT "templates_channel_check" CHECK ("templates"."channel" in ('email', 'push'))
);
--> statement-breakpoint
ALTER TABLE "template_active_versions" ADD CONSTRAINT "template_active_versions_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_active_versions" ADD CONSTRAINT "template_active_versions_version_id_template_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."template_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "template_versions" ADD CONSTRAINT "template_versions_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "template_versions_template_language_idx" ON "template_versions" USING btree ("template_id","language","version");--> statement-breakpoint
CREATE INDEX "templates_channel_category_idx" ON "templates" USING btree ("channel","category");