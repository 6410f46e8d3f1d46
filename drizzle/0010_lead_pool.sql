CREATE TYPE "public"."task_kind" AS ENUM('after_sales_visit');--> statement-breakpoint
ALTER TYPE "public"."nudge_kind" ADD VALUE 'golden_response';--> statement-breakpoint
ALTER TYPE "public"."nudge_kind" ADD VALUE 'recycle_warning';--> statement-breakpoint
ALTER TYPE "public"."nudge_kind" ADD VALUE 'win_back';--> statement-breakpoint
CREATE TABLE "tasks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"tenant_id" uuid NOT NULL,
	"kind" "task_kind" NOT NULL,
	"owner_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"deal_id" uuid,
	"title" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"reminded_at" timestamp with time zone,
	"done_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tasks_deal_kind" UNIQUE("deal_id","kind")
);
--> statement-breakpoint
ALTER TABLE "customers" ALTER COLUMN "owner_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "assigned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "pooled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "released_from_id" uuid;--> statement-breakpoint
ALTER TABLE "deals" ADD COLUMN "won_reason" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_owner_id_users_id_fk" FOREIGN KEY ("owner_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_deal_id_deals_id_fk" FOREIGN KEY ("deal_id") REFERENCES "public"."deals"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "tasks_open_due" ON "tasks" USING btree ("tenant_id","due_at");--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_released_from_id_users_id_fk" FOREIGN KEY ("released_from_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customers_pool" ON "customers" USING btree ("tenant_id","pooled_at") WHERE "customers"."owner_id" is null and "customers"."merged_into_id" is null;--> statement-breakpoint
CREATE INDEX "customers_owned_assigned" ON "customers" USING btree ("tenant_id","assigned_at") WHERE "customers"."owner_id" is not null and "customers"."assigned_at" is not null;--> statement-breakpoint
CREATE INDEX "customers_owned_activity" ON "customers" USING btree ("tenant_id","last_activity_at") WHERE "customers"."owner_id" is not null and "customers"."merged_into_id" is null;--> statement-breakpoint
-- Customers never followed up start their idle clock (recycling, win-back) at creation.
UPDATE "customers" SET "last_activity_at" = "created_at" WHERE "last_activity_at" IS NULL;