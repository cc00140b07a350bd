import type { WorkerUtils } from "graphile-worker";
import type { Db } from "../../db/client";
import { deliveryForEvent } from "../../db/webhooks";
import type { Env } from "../../lib/env";
import { jobKeys } from "../../lib/jobs";

type AddJob = WorkerUtils["addJob"];

/** Queues the delivery of one delivery id (job key: adding it twice is harmless). */
export async function queueDelivery(addJob: AddJob, env: Env, deliveryId: string) {
  await addJob("webhook__deliver", { deliveryId }, { jobKey: jobKeys.webhook(deliveryId), jobKeyMode: "preserve_run_at", maxAttempts: env.WEBHOOK_MAX_ATTEMPTS });
}

/** Turns one document event into a queued delivery when it calls for one. */
export async function dispatchEvent(deps: { db: Db; env: Env; addJob: AddJob }, eventId: number) {
  const delivery = await deliveryForEvent(deps.db, eventId);
  if (delivery) await queueDelivery(deps.addJob, deps.env, delivery.id);
  return delivery;
}
