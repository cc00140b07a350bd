import { describe, expect, it } from "vitest";
import { LOCAL_S3_CREDENTIALS, parseEnv, productionProblems } from "./env";

describe("configuration", () => {
  it("falls back to the embedded defaults and treats empty strings as unset", () => {
    const env = parseEnv({ DATABASE_URL: "", MAX_UPLOAD_MB: "" });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.MAX_UPLOAD_MB).toBe(100);
    expect(env.MODEL_DIR).toBe("models/baseline");
    expect(env.S3_FORCE_PATH_STYLE).toBe(false);
  });

  it("coerces numbers and booleans, and names the variable it refuses", () => {
    expect(parseEnv({ MAX_PAGES: "12", S3_FORCE_PATH_STYLE: "true" })).toMatchObject({ MAX_PAGES: 12, S3_FORCE_PATH_STYLE: true });
    expect(() => parseEnv({ MAX_UPLOAD_MB: "-3" })).toThrow(/MAX_UPLOAD_MB/);
    expect(() => parseEnv({ NODE_ENV: "staging" })).toThrow(/NODE_ENV/);
  });

  it("lists every missing or dangerous production setting", () => {
    const problems = productionProblems(parseEnv({ NODE_ENV: "production" }));
    expect(problems.join("\n")).toMatch(/DATABASE_URL/);
    expect(problems.join("\n")).toMatch(/S3 credentials/);
    expect(problems.join("\n")).toMatch(/ADMIN_PASSWORD/);
    expect(problems.join("\n")).toMatch(/WEBHOOK_SECRET/);
    expect(
      productionProblems(
        parseEnv({
          NODE_ENV: "production",
          DATABASE_URL: "postgres://u:p@db/x",
          S3_ACCESS_KEY_ID: "AKIA",
          S3_SECRET_ACCESS_KEY: "secret",
          ADMIN_PASSWORD: "a long enough password",
          WEBHOOK_SECRET: "a long enough webhook secret",
        }),
      ),
    ).toEqual([]);
    expect(productionProblems(parseEnv({ NODE_ENV: "production", ADMIN_PASSWORD: "short" })).join()).toMatch(/shorter than 12/);
  });

  it("refuses the local store's development credentials in production", () => {
    const base = {
      NODE_ENV: "production",
      DATABASE_URL: "postgres://u:p@db/x",
      S3_ENDPOINT: "https://s3.example.com",
      ADMIN_PASSWORD: "a long enough password",
      WEBHOOK_SECRET: "a long enough webhook secret",
    };
    const withLocalKey = productionProblems(
      parseEnv({ ...base, S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId, S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey }),
    );
    expect(withLocalKey).toEqual(["S3_ACCESS_KEY_ID is the embedded store's dummy key"]);
    // The literal the store really uses, so renaming the constant alone cannot hide a mismatch.
    expect(productionProblems(parseEnv({ ...base, S3_ACCESS_KEY_ID: "pagewise-local", S3_SECRET_ACCESS_KEY: "x" }))).toHaveLength(1);
    expect(productionProblems(parseEnv({ ...base, S3_ACCESS_KEY_ID: "AKIAREAL", S3_SECRET_ACCESS_KEY: "x" }))).toEqual([]);
    // `npm start` (a production build on this machine) runs the local store on loopback: nobody else can reach it.
    const local = { ...base, S3_ACCESS_KEY_ID: LOCAL_S3_CREDENTIALS.accessKeyId, S3_SECRET_ACCESS_KEY: LOCAL_S3_CREDENTIALS.secretAccessKey };
    expect(productionProblems(parseEnv({ ...local, S3_ENDPOINT: "http://127.0.0.1:54330" }))).toEqual([]);
    expect(productionProblems(parseEnv({ ...local, S3_ENDPOINT: "http://localhost:54330" }))).toEqual([]);
    // Loopback for the server but published to browsers elsewhere: reachable, so refused.
    expect(productionProblems(parseEnv({ ...local, S3_ENDPOINT: "http://127.0.0.1:54330", S3_PUBLIC_ENDPOINT: "https://files.example.com" }))).toHaveLength(1);
  });
});
