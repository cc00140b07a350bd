import { describe, expect, it } from "vitest";
import { freePort } from "../../scripts/test/ports";

/** /api/health with the storage unreachable (a port nobody listens on) and the real database up: 503. */
process.env.S3_ENDPOINT = `http://127.0.0.1:${await freePort()}`;

describe("health, degraded", () => {
  it("answers 503 with which check failed", async () => {
    const { GET } = await import("./health/route");
    const res = await GET();
    expect(res.status).toBe(503);
    const body = await res.json();
    expect(body).toMatchObject({ status: "degraded", database: { ok: true }, storage: { ok: false } });
  });
});
