CREATE TABLE "voice_drafts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"transcript" text NOT NULL,
	"customer_id" uuid NOT NULL,
	"deal_id" uuid,
	"kind" "follow_up_kind" DEFAULT 'other' NOT NULL,
	"summary" text NOT NULL,
	"next_due_at" timestamp with time zone,
	"status" text DEFAULT 'pending' NOT NULL,
	"follow_up_id" uuid,
	"source_event_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "voice_drafts" ADD CONSTRAINT "voice_drafts_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_drafts" ADD CONSTRAINT "voice_drafts_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_drafts" ADD CONSTRAINT "voice_drafts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_drafts" ADD CONSTRAINT "voice_drafts_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "voice_drafts" ADD CONSTRAINT "voice_drafts_follow_up_id_follow_ups_id_fk" FOREIGN KEY ("follow_up_id") REFERENCES "public"."follow_ups"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "voice_drafts_user" ON "voice_drafts" USING btree ("user_id","created_at");