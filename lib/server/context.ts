import { makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import { database } from "../../db/client";
import { servedModels } from "../../db/workers";
import { env } from "../env";
import { createStorage, type Storage } from "../s3";
import { createEventHub, type EventHub } from "./event-hub";

/** Process-wide singletons of the web process, created on first use (survive Next's dev reloads). */
const globals = globalThis as unknown as {
  pagewiseStorage?: Storage;
  pagewiseQueue?: Promise<WorkerUtils>;
  pagewiseHub?: EventHub;
};

export const db = () => database().db;
export const sql = () => database().sql;
/** Models some live worker serves, for the "waiting for a worker" status of documents. */
export const served = () => servedModels(db(), env().WORKER_DEAD_AFTER_MS);

export function storage(): Storage {
  globals.pagewiseStorage ??= createStorage(env());
  return globals.pagewiseStorage;
}

/** Graphile Worker's utilities: the web side only adds and removes jobs, it never runs them. */
export function queue(): Promise<WorkerUtils> {
  globals.pagewiseQueue ??= makeWorkerUtils({ connectionString: env().DATABASE_URL, schema: env().QUEUE_SCHEMA }).catch((error: unknown) => {
    globals.pagewiseQueue = undefined;
    throw error;
  });
  return globals.pagewiseQueue;
}

export function eventHub(): EventHub {
  globals.pagewiseHub ??= createEventHub(sql());
  return globals.pagewiseHub;
}
