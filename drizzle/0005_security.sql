CREATE TABLE "dingtalk_signatures" (
	"sign" text PRIMARY KEY NOT NULL,
	"timestamp" text NOT NULL,
	"msg_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "approval_steps" ADD COLUMN "rerouted_from_id" uuid;--> statement-breakpoint
ALTER TABLE "approval_steps" ADD CONSTRAINT "approval_steps_rerouted_from_id_users_id_fk" FOREIGN KEY ("rerouted_from_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;