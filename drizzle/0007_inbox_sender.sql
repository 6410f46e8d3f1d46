ALTER TABLE "inbound_events" ADD COLUMN "sender_key" text;--> statement-breakpoint
CREATE INDEX "inbound_events_pending_sender" ON "inbound_events" USING btree ("sender_key","id") WHERE status = 'pending';--> statement-breakpoint
-- Messages waiting at upgrade time get the key the inbox now writes at insert (src/inbound/inbox.ts senderKey).
UPDATE "inbound_events" SET "sender_key" = platform::text || ':' || coalesce(payload->>'tenantKey', '') || ':' || coalesce(payload->'actor'->>'platformUserId', '') WHERE status = 'pending';
