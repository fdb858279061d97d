-- Published outbox rows are deleted from now on (a delete touches no index; the update that marked them touched all three).
DELETE FROM "outbox" WHERE "published_at" IS NOT NULL;--> statement-breakpoint
DROP INDEX "outbox_pending_idx";--> statement-breakpoint
ALTER TABLE "outbox" DROP COLUMN "published_at";--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("available_at","id");--> statement-breakpoint
-- No index on status: a notification's status changes (queued, sending, delivered) are then heap-only (HOT) updates, which
-- write no index entries; the free space left in each page gives them room. Listing by status filters the created_at order.
DROP INDEX "notifications_status_created_idx";--> statement-breakpoint
ALTER TABLE "notifications" SET (fillfactor = 80);
