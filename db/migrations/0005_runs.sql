CREATE TYPE "public"."run_status" AS ENUM('queued', 'processing', 'done', 'failed', 'cancelled');--> statement-breakpoint
CREATE TABLE "run_pages" (
	"document_id" uuid NOT NULL,
	"run_number" integer NOT NULL,
	"page_number" integer NOT NULL,
	"status" "page_status" DEFAULT 'pending' NOT NULL,
	"infer_ms" integer,
	"detection_count" integer,
	"note" text,
	"error_code" text,
	"error_message" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "run_pages_document_id_run_number_page_number_pk" PRIMARY KEY("document_id","run_number","page_number")
);
--> statement-breakpoint
CREATE TABLE "runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"document_id" uuid NOT NULL,
	"number" integer NOT NULL,
	"status" "run_status" DEFAULT 'queued' NOT NULL,
	"model_id" text NOT NULL,
	"model_name" text,
	"model_version" text,
	"model_kind" text,
	"model_labels" jsonb,
	"pages_done" integer DEFAULT 0 NOT NULL,
	"pages_failed" integer DEFAULT 0 NOT NULL,
	"error_code" text,
	"error_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "runs_document_number_key" UNIQUE("document_id","number")
);
--> statement-breakpoint
DROP INDEX "detections_page_idx";--> statement-breakpoint
ALTER TABLE "detections" ADD COLUMN "run_number" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "run_pages" ADD CONSTRAINT "run_pages_document_id_run_number_runs_document_id_number_fk" FOREIGN KEY ("document_id","run_number") REFERENCES "public"."runs"("document_id","number") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "runs" ADD CONSTRAINT "runs_document_id_documents_id_fk" FOREIGN KEY ("document_id") REFERENCES "public"."documents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "detections_page_idx" ON "detections" USING btree ("page_id","run_number");