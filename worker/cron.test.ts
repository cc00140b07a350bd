import { parseCrontab } from "graphile-worker";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "../lib/logger";
import { testContext, waitFor } from "../scripts/test/context";
import { CRONTAB, startWorker } from "./start";

/** The cron tasks: their schedule, and that a started worker has registered them with Graphile Worker. */
const ctx = testContext({ QUEUE_SCHEMA: "q_cron" });
afterAll(() => ctx.close());

const at = (min: number) => ({ min, hour: 3, date: 14, month: 6, dow: 2 });

describe("cron", () => {
  it("expires abandoned uploads every 5 minutes, settles documents and sweeps webhook events every minute", () => {
    const items = new Map(parseCrontab(CRONTAB).map((item) => [item.task, item]));
    expect([...items.keys()].sort()).toEqual(["documents__settle", "uploads__expire", "webhooks__sweep"]);
    const minutes = (task: string) => Array.from({ length: 60 }, (_, m) => m).filter((m) => items.get(task)!.match(at(m)));
    expect(minutes("uploads__expire")).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]);
    expect(minutes("documents__settle")).toHaveLength(60);
    expect(minutes("webhooks__sweep")).toHaveLength(60);
  });

  it("a started worker registers every schedule with Graphile Worker", async () => {
    const worker = await startWorker({ env: ctx.env, logger: createLogger("test-cron") });
    try {
      const known = await waitFor(async () => {
        const rows = await ctx.sql<{ identifier: string }[]>`select identifier from ${ctx.sql(ctx.env.QUEUE_SCHEMA)}._private_known_crontabs order by 1`;
        return rows.length >= 3 ? rows.map((r) => r.identifier) : null;
      }, { what: "known crontabs" });
      expect(known).toEqual(["documents__settle", "uploads__expire", "webhooks__sweep"]);
    } finally {
      await worker.stop();
    }
  });
});
