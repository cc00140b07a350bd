import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { sql as raw } from "drizzle-orm";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createWriteStream } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "../../db/client";
import { getObjectStream } from "../../lib/s3";
import { freePort } from "../../scripts/test/ports";
import { testContext } from "../../scripts/test/context";
import { classifyFailure, isConnectionError, isLastAttempt } from "./retry";

/** Every error below is produced by the real client against a real (or really closed) endpoint. */
const ctx = testContext();
afterAll(() => ctx.close());

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected a rejection");
}

describe("classifyFailure", () => {
  it("an S3 endpoint that refuses connections is storage_unavailable", async () => {
    const client = new S3Client({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${await freePort()}`,
      forcePathStyle: true,
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
      maxAttempts: 2,
    });
    const error = await rejection(client.send(new GetObjectCommand({ Bucket: "pagewise", Key: "x" })));
    client.destroy();
    expect(error).toMatchObject({ code: "ECONNREFUSED" });
    const failure = classifyFailure(error);
    expect(failure).toMatchObject({ kind: "storage", code: "storage_unavailable" });
    expect(failure.message).toMatch(/file storage could not be reached/);
  });

  it("errors the store answers with (missing object, bad signature) are storage errors", async () => {
    const missing = await rejection(getObjectStream(ctx.storage, `nothing/${Date.now()}.pdf`));
    expect(missing).toMatchObject({ name: "NoSuchKey" });
    expect(classifyFailure(missing).code).toBe("storage_unavailable");

    const forged = new S3Client({
      region: ctx.env.S3_REGION,
      endpoint: ctx.env.S3_ENDPOINT,
      forcePathStyle: true,
      credentials: { accessKeyId: ctx.env.S3_ACCESS_KEY_ID!, secretAccessKey: "not-the-secret" },
      maxAttempts: 1,
    });
    const denied = await rejection(forged.send(new GetObjectCommand({ Bucket: ctx.env.S3_BUCKET, Key: "x" })));
    forged.destroy();
    expect((denied as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(403);
    expect(classifyFailure(denied).code).toBe("storage_unavailable");
  });

  it("a download cut off mid-body (no SDK metadata on the error) is storage_unavailable", async () => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { "content-length": "100000", "content-type": "application/pdf" });
      res.write(Buffer.alloc(1000));
      setTimeout(() => req.socket.destroy(), 20);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = new S3Client({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      forcePathStyle: true,
      credentials: { accessKeyId: "a", secretAccessKey: "b" },
    });
    try {
      const { Body } = await client.send(new GetObjectCommand({ Bucket: "pagewise", Key: "x" }));
      const error = await rejection(pipeline(Body as Readable, createWriteStream(path.join(os.tmpdir(), `cut-${process.pid}.part`))));
      expect(error).not.toHaveProperty("$metadata");
      expect(classifyFailure(error).code).toBe("storage_unavailable");
    } finally {
      client.destroy();
      server.close();
    }
  });

  it("a database that refuses connections, and an error Postgres raises, are database errors", async () => {
    const down = createDb(`postgres://u:p@127.0.0.1:${await freePort()}/x`, { max: 1 });
    const refused = await rejection(down.db.execute(raw`select 1`));
    const refusedRaw = await rejection(down.sql`select 1`);
    await down.sql.end({ timeout: 1 });
    expect(refusedRaw).toMatchObject({ code: "ECONNREFUSED" }); // the same code as a refused S3 endpoint
    expect(classifyFailure(refused)).toMatchObject({ kind: "database", code: "database_error" });
    expect(classifyFailure(refusedRaw)).toMatchObject({ kind: "database", code: "database_error" });

    const raised = await rejection(ctx.db.execute(raw`select 1 / 0`));
    expect(classifyFailure(raised)).toMatchObject({ kind: "database", code: "database_error" });
    const raisedRaw = await rejection(ctx.sql`select * from no_such_table`);
    expect(raisedRaw).toMatchObject({ name: "PostgresError" });
    expect(classifyFailure(raisedRaw).code).toBe("database_error");
  });

  it("anything else is an internal error whose message reveals nothing of it", () => {
    let bug: unknown;
    try {
      JSON.parse("{secret internal detail");
    } catch (error) {
      bug = error;
    }
    for (const error of [bug, new TypeError("Cannot read properties of undefined (reading 'pageCount')"), "thrown string", null]) {
      const failure = classifyFailure(error);
      expect(failure).toMatchObject({ kind: "internal", code: "internal_error" });
      expect(failure.message).not.toMatch(/secret|pageCount|JSON|undefined|string/);
    }
  });
});

describe("isConnectionError", () => {
  it("is true for a refused connection, false for an error the database raised or a bug", async () => {
    const down = createDb(`postgres://u:p@127.0.0.1:${await freePort()}/x`, { max: 1 });
    const refused = await rejection(down.sql`select 1`);
    await down.sql.end({ timeout: 1 });
    expect(isConnectionError(refused)).toBe(true);
    expect(isConnectionError(await rejection(ctx.sql`select 1 / 0`))).toBe(false);
    expect(isConnectionError(new TypeError("x is undefined"))).toBe(false);
  });
});

describe("isLastAttempt", () => {
  it("is true only on the attempt that reaches max_attempts", () => {
    expect(isLastAttempt({ attempts: 1, max_attempts: 3 })).toBe(false);
    expect(isLastAttempt({ attempts: 2, max_attempts: 3 })).toBe(false);
    expect(isLastAttempt({ attempts: 3, max_attempts: 3 })).toBe(true);
  });
});
