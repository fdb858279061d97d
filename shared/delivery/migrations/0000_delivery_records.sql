CREATE TABLE "delivery_records" (
	"channel" text NOT NULL,
	"notification_id" uuid NOT NULL,
	"part" text DEFAULT '' NOT NULL,
	"state" text NOT NULL,
	"holder" text,
	"lease_until" timestamp with time zone,
	"result" jsonb,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "delivery_records_channel_notification_id_part_pk" PRIMARY KEY("channel","notification_id","part")
);
--> statement-breakpoint
CREATE INDEX "delivery_records_expires_idx" ON "delivery_records" USING btree ("expires_at");