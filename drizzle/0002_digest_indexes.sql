CREATE INDEX "deals_owner" ON "deals" USING btree ("owner_id");--> statement-breakpoint
CREATE INDEX "approval_requests_requester_status" ON "approval_requests" USING btree ("requester_id","status");