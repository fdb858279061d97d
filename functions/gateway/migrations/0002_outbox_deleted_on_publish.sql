-- Published outbox rows are deleted from now on (a delete touches no index; the update that marked them touched all three).
-- A replica still running the previous version fails to relay until it is replaced (its queries name published_at); nothing is lost.
DELETE FROM "outbox" WHERE "published_at" IS NOT NULL;--> statement-breakpoint
DROP INDEX "outbox_pending_idx";--> statement-breakpoint
ALTER TABLE "outbox" DROP COLUMN "published_at";--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("available_at","id");
