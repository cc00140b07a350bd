import { z } from "zod";

/** Job definitions: id + zod schema + inferred type. Handlers live in worker/tasks/<id>.ts. */
export const documentProcessPayload = z.object({ documentId: z.uuid() });
/** `run`: the run (per document) the detections are for; payloads from before runs have none and are run 1's. */
export const pageDetectPayload = z.object({
  documentId: z.uuid(),
  pageNumber: z.number().int().positive(),
  run: z.number().int().positive().default(1),
});

export const webhookDeliverPayload = z.object({ deliveryId: z.uuid() });

export type DocumentProcessPayload = z.infer<typeof documentProcessPayload>;
export type PageDetectPayload = z.input<typeof pageDetectPayload>;
export const pageOcrPayload = z.object({ documentId: z.uuid(), pageNumber: z.number().int().positive() });
export type PageOcrPayload = z.infer<typeof pageOcrPayload>;

export const jobKeys = {
  document: (documentId: string) => `document:${documentId}`,
  /** Run 1 keeps the key it had before runs existed (documents__settle and cancel look it up). */
  page: (documentId: string, pageNumber: number, run = 1) => (run === 1 ? `page:${documentId}:${pageNumber}` : `page:${documentId}:${pageNumber}:run${run}`),
  ocr: (documentId: string, pageNumber: number) => `ocr:${documentId}:${pageNumber}`,
  webhook: (deliveryId: string) => `webhook:${deliveryId}`,
};

/**
 * Attempts before a job (and its document or page) is given up with a reason. Only outages are retried
 * (a broken page fails at once); Graphile Worker waits e^attempt seconds between attempts, so 5 attempts
 * ride out ~85 s of storage or database downtime.
 */
export const MAX_ATTEMPTS = { document: 5, page: 5, ocr: 3 } as const;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      /** Unrouted: jobs queued before models were routed, taken by workers serving the default model. */
      document__process: DocumentProcessPayload;
      page__detect: PageDetectPayload;
      /** Routed per model (lib/models/routing.ts). */
      [routed: `document__process@${string}`]: DocumentProcessPayload;
      [routedPage: `page__detect@${string}`]: PageDetectPayload;
      page__ocr: PageOcrPayload;
      uploads__expire: Record<string, never>;
      documents__settle: Record<string, never>;
      webhook__deliver: z.infer<typeof webhookDeliverPayload>;
      webhooks__sweep: Record<string, never>;
    }
  }
}
