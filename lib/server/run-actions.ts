import type { WorkerUtils } from "graphile-worker";
import type { Db } from "../../db/client";
import { getDocument, listPages, pageDetections } from "../../db/documents";
import { toRunDto } from "../../db/dto";
import { servedModels } from "../../db/workers";
import { cancelRun, createRun, getRun, listRunPages, listRunsWithPages, retryRun } from "../../db/runs";
import type { Run } from "../../db/schema";
import type { RunAgreementDto, RunDto } from "../api-types";
import { AppError } from "../errors";
import { jobKeys } from "../jobs";
import { runAgreement } from "../run-agreement";
import { enqueueRunPages } from "../run-jobs";
import { env, type Env } from "../env";
import { chooseModel } from "../models/installed";

type Deps = { db: Db; queue: WorkerUtils; models: Pick<Env, "MODEL_FOLDERS" | "MODEL_DIR" | "DEFAULT_MODEL">; queueSchema: string };

export async function mustGetRun(db: Db, documentId: string, number: number): Promise<Run> {
  const run = await getRun(db, documentId, number);
  if (!run) throw new AppError("not_found", "run not found", `This document has no run ${number}.`);
  return run;
}

async function runDto(db: Db, run: Run): Promise<RunDto> {
  const [all, served] = await Promise.all([listRunsWithPages(db, run.documentId), servedModels(db, env().WORKER_DEAD_AFTER_MS)]);
  return toRunDto(run, all.find((r) => r.run.number === run.number)?.pageCount ?? 0, served);
}

export async function listRunDtos(db: Db, documentId: string): Promise<RunDto[]> {
  const [all, served] = await Promise.all([listRunsWithPages(db, documentId), servedModels(db, env().WORKER_DEAD_AFTER_MS)]);
  return all.map(({ run, pageCount }) => toRunDto(run, pageCount, served));
}

/** Runs a finished document again with an installed model: a new run over the pages that were rendered. */
export async function startRun(deps: Deps, documentId: string, modelId: string): Promise<RunDto> {
  const doc = await getDocument(deps.db, documentId);
  if (!doc) throw new AppError("not_found", "document not found", "Document not found.");
  const { manifest: m } = await chooseModel(deps.models, modelId);
  const created = await createRun(deps.db, documentId, { id: m.id, name: m.name, version: m.version, kind: m.kind, labels: m.labels });
  if (!created) {
    throw new AppError("conflict", `document ${doc.status}`, `Only a finished document can be run again (this one is ${doc.status}).`);
  }
  await enqueueRunPages(deps.queue, created.run, created.pageNumbers);
  return runDto(deps.db, created.run);
}

const firstRunRefused = (what: string) =>
  new AppError("conflict", `run 1 ${what}`, `Run 1 is the document's own processing: ${what} the document instead.`);

export async function cancelRunAction(deps: Deps, documentId: string, number: number): Promise<RunDto> {
  const run = await mustGetRun(deps.db, documentId, number);
  if (run.number === 1) throw firstRunRefused("cancel");
  const cancelled = await cancelRun(deps.db, run);
  if (!cancelled) throw new AppError("conflict", "run not cancellable", `Only runs in progress can be cancelled (this one is ${run.status}).`);
  const pages = await listRunPages(deps.db, documentId, number);
  const keys = pages.map((p) => jobKeys.page(documentId, p.pageNumber, number));
  // remove_job leaves a locked (running) job alone: that page finishes.
  await deps.queue.withPgClient((client) => client.query(`select "${deps.queueSchema}".remove_job(k) from unnest($1::text[]) as k`, [keys]));
  return runDto(deps.db, cancelled);
}

export async function retryRunAction(deps: Deps, documentId: string, number: number): Promise<RunDto> {
  const run = await mustGetRun(deps.db, documentId, number);
  if (run.number === 1) throw firstRunRefused("retry");
  if (run.status === "processing" || run.status === "queued") throw new AppError("conflict", "run in progress", "This run is still in progress.");
  const again = await retryRun(deps.db, run);
  if (!again) throw new AppError("conflict", "nothing to retry", "Every page of this run is done; there is nothing to retry.");
  await enqueueRunPages(deps.queue, again.run, again.pageNumbers);
  return runDto(deps.db, again.run);
}

/** Agreement of run `b` with run `a` over the pages both finished. */
export async function compareRunsOf(db: Db, documentId: string, a: number, b: number): Promise<RunAgreementDto> {
  await Promise.all([mustGetRun(db, documentId, a), mustGetRun(db, documentId, b)]);
  const [pages, aPages, bPages] = await Promise.all([listPages(db, documentId), listRunPages(db, documentId, a), listRunPages(db, documentId, b)]);
  const done = (rows: typeof aPages) => new Set(rows.filter((r) => r.status === "done").map((r) => r.pageNumber));
  const aDone = done(aPages);
  const bDone = done(bPages);
  const both = pages.filter((p) => p.status === "done" && aDone.has(p.pageNumber) && bDone.has(p.pageNumber));
  const boxes = (rows: Awaited<ReturnType<typeof pageDetections>>) => rows.map((d) => ({ label: d.label, score: d.score, box: [d.x1, d.y1, d.x2, d.y2] as const }));
  const pairs = [];
  for (const page of both) {
    const [da, dbx] = await Promise.all([pageDetections(db, page.id, a), pageDetections(db, page.id, b)]);
    pairs.push({ pageNumber: page.pageNumber, a: boxes(da), b: boxes(dbx) });
  }
  return { a, b, ...runAgreement(pairs) };
}
