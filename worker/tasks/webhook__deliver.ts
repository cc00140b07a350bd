import type { Task } from "graphile-worker";
import { getDelivery, recordAttempt } from "../../db/webhooks";
import { privateCallbacksAllowed, webhookSecret } from "../../lib/env";
import { isAppError } from "../../lib/errors";
import { webhookDeliverPayload } from "../../lib/jobs";
import { resolveCallback } from "../../lib/webhook-guard";
import { signWebhook, WEBHOOK_HEADERS } from "../../lib/webhook-signature";
import type { WorkerDeps } from "../deps";
import { postJson } from "../webhooks/post";
import { isLastAttempt } from "./retry";

/**
 * One attempt to deliver one webhook event. A 2xx answer delivers it; anything else (an error status, a
 * redirect, no answer in time, no connection) is logged on the delivery and retried by Graphile Worker with
 * exponential backoff until the job's attempts run out; a URL the SSRF guard refuses fails at once.
 * Runs in its own job, so a slow receiver never holds a page.
 */
export function webhookDeliver(deps: Pick<WorkerDeps, "db" | "env" | "logger">): Task<"webhook__deliver"> {
  return async (payload, helpers) => {
    const { deliveryId } = webhookDeliverPayload.parse(payload);
    const log = deps.logger.scope({ jobId: helpers.job.id, task: "webhook__deliver", deliveryId });
    const delivery = await getDelivery(deps.db, deliveryId);
    if (!delivery || delivery.status !== "pending") return;

    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    let statusCode: number | null = null;
    let error: string | null = null;
    let permanent = false;
    try {
      const url = new URL(delivery.url);
      const addresses = await resolveCallback(url, privateCallbacksAllowed(deps.env));
      const result = await postJson(
        url,
        addresses,
        {
          "content-type": "application/json",
          "user-agent": "Pagewise-Webhooks/1",
          [WEBHOOK_HEADERS.id]: delivery.id,
          [WEBHOOK_HEADERS.timestamp]: String(timestamp),
          [WEBHOOK_HEADERS.signature]: signWebhook(webhookSecret(deps.env), timestamp, body),
        },
        body,
        deps.env.WEBHOOK_TIMEOUT_MS,
      );
      statusCode = result.status;
      if (result.status >= 300 && result.status < 400) error = `redirect (HTTP ${result.status} to ${result.location ?? "?"}) not followed`;
      else if (result.status < 200 || result.status >= 300) error = `HTTP ${result.status}`;
    } catch (caught) {
      permanent = isAppError(caught) && caught.code === "callback_url_refused";
      error = isAppError(caught) ? caught.userMessage : caught instanceof Error ? caught.message : String(caught);
    }
    const ok = error === null;
    const final = !ok && (permanent || isLastAttempt(helpers.job));
    await recordAttempt(deps.db, deliveryId, { ok, statusCode, error: error?.slice(0, 500) ?? null, final });
    if (ok) log.info("webhook delivered", { status: statusCode, attempt: helpers.job.attempts });
    else if (final) log.warn("webhook failed for good", { error, attempts: helpers.job.attempts });
    else throw new Error(`webhook attempt ${helpers.job.attempts} failed: ${error}`);
  };
}
