-- Existing documents become run 1 of themselves: the model they ran with, their counts and status.
INSERT INTO "runs" ("document_id", "number", "status", "model_id", "model_name", "model_version", "model_kind", "model_labels",
  "pages_done", "pages_failed", "error_code", "error_message", "created_at", "started_at", "finished_at")
SELECT "id", 1, (CASE "status" WHEN 'uploading' THEN 'queued' ELSE "status"::text END)::"run_status",
  "model_id", "model_name", "model_version", "model_kind", "model_labels",
  "pages_done", "pages_failed", "error_code", "error_message", "created_at", "started_at", "finished_at"
FROM "documents" WHERE "model_id" IS NOT NULL;--> statement-breakpoint
INSERT INTO "run_pages" ("document_id", "run_number", "page_number", "status", "infer_ms", "detection_count", "note",
  "error_code", "error_message", "attempts", "started_at", "finished_at")
SELECT p."document_id", 1, p."page_number", p."status", p."infer_ms", p."detection_count", p."note",
  p."error_code", p."error_message", p."attempts", p."started_at", p."finished_at"
FROM "pages" p JOIN "runs" r ON r."document_id" = p."document_id" AND r."number" = 1;
