import type { Task } from "graphile-worker";
import { undeliveredEndEvents } from "../../db/webhooks";
import type { WorkerDeps } from "../deps";
import { dispatchEvent, queueDelivery } from "../webhooks/dispatch";

/** Cron: document ends no listening worker turned into a delivery, and deliveries whose job was never added. */
export function webhooksSweep(deps: Pick<WorkerDeps, "db" | "env" | "logger">): Task<"webhooks__sweep"> {
  return async (_payload, helpers) => {
    const { eventIds, pendingIds } = await undeliveredEndEvents(deps.db, deps.env.QUEUE_SCHEMA);
    const addJob = helpers.addJob as Parameters<typeof dispatchEvent>[0]["addJob"];
    for (const id of eventIds) await dispatchEvent({ db: deps.db, env: deps.env, addJob }, id);
    for (const id of pendingIds) await queueDelivery(addJob, deps.env, id);
    if (eventIds.length || pendingIds.length) deps.logger.info("webhook sweep queued deliveries", { events: eventIds.length, pending: pendingIds.length });
  };
}
