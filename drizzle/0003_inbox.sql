ALTER TABLE "inbound_events" ADD COLUMN "status" text DEFAULT 'done' NOT NULL;--> statement-breakpoint
ALTER TABLE "inbound_events" ADD COLUMN "payload" jsonb;--> statement-breakpoint
CREATE INDEX "inbound_events_pending" ON "inbound_events" USING btree ("id") WHERE status = 'pending';