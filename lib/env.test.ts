import { describe, expect, it } from "vitest";
import { parseEnv, productionProblems } from "./env";

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
});
