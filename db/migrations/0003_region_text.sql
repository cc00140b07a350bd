ALTER TABLE "detections" ADD COLUMN "text" text;--> statement-breakpoint
ALTER TABLE "detections" ADD COLUMN "text_source" text;--> statement-breakpoint
ALTER TABLE "detections" ADD COLUMN "ocr_confidence" real;--> statement-breakpoint
ALTER TABLE "detections" ADD COLUMN "reading_order" integer;--> statement-breakpoint
ALTER TABLE "detections" ADD COLUMN "search_vector" "tsvector" GENERATED ALWAYS AS (to_tsvector('english', coalesce("text", ''))) STORED;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "text_layer" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "unassigned_text" text;--> statement-breakpoint
ALTER TABLE "pages" ADD COLUMN "text_ms" integer;--> statement-breakpoint
CREATE INDEX "detections_search_idx" ON "detections" USING gin ("search_vector");