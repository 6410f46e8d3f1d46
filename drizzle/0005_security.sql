CREATE TABLE "dingtalk_signatures" (
	"sign" text PRIMARY KEY NOT NULL,
	"timestamp" text NOT NULL,
	"msg_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
