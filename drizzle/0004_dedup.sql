ALTER TABLE "customers" DROP CONSTRAINT "customers_tenant_normalised_name";--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "name_grams" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "name_key_version" smallint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "merged_into_id" uuid;--> statement-breakpoint
ALTER TABLE "customers" ADD COLUMN "merged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "customers" ADD CONSTRAINT "customers_merged_into_id_customers_id_fk" FOREIGN KEY ("merged_into_id") REFERENCES "public"."customers"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "customers_tenant_normalised_name" ON "customers" USING btree ("tenant_id","normalised_name");--> statement-breakpoint
CREATE INDEX "customers_name_grams" ON "customers" USING gin ("name_grams");