import { beforeAll, describe, expect, it, vi } from "vitest";

describe("admin session", () => {
  let auth: typeof import("./admin-auth");
  beforeAll(async () => {
    process.env.ADMIN_PASSWORD = "correct horse battery staple";
    auth = await import("./admin-auth");
  });

  const requestWith = (cookie?: string) => new Request("http://x/api/documents", { headers: cookie ? { cookie } : {} });

  it("issues a signed session for the right password and accepts it", () => {
    const session = auth.verifyLogin("correct horse battery staple", "1.2.3.4");
    expect(auth.isAdminSession(session)).toBe(true);
    expect(() => auth.requireAdmin(requestWith(`${auth.ADMIN_COOKIE}=${session}`))).not.toThrow();
  });

  it("refuses a wrong password, a forged or expired session, and no session", () => {
    expect(() => auth.verifyLogin("wrong", "5.6.7.8")).toThrow(expect.objectContaining({ code: "unauthorized" }));
    const session = auth.verifyLogin("correct horse battery staple", "5.6.7.9");
    const [expires, mac] = session.split(".");
    expect(auth.isAdminSession(`${Number(expires) + 3600}.${mac}`)).toBe(false);
    expect(() => auth.requireAdmin(requestWith())).toThrow(expect.objectContaining({ code: "unauthorized" }));
  });

  it("refuses a correctly signed session once it has expired", () => {
    // Signed for real, a session's lifetime ago (plus a minute): only the expiry can refuse it.
    const now = Date.now();
    vi.useFakeTimers({ toFake: ["Date"], now: now - (auth.ADMIN_SESSION_SECONDS + 60) * 1000 });
    let session: string;
    try {
      session = auth.verifyLogin("correct horse battery staple", "5.6.7.10");
      expect(auth.isAdminSession(session)).toBe(true); // valid while it was fresh
    } finally {
      vi.useRealTimers();
    }
    expect(Number(session.split(".")[0]) * 1000).toBeLessThan(now);
    expect(auth.isAdminSession(session)).toBe(false);
    expect(() => auth.requireAdmin(requestWith(`${auth.ADMIN_COOKIE}=${session}`))).toThrow(expect.objectContaining({ code: "unauthorized" }));
  });

  it("makes a client that keeps failing wait, without affecting others", () => {
    for (let i = 0; i < 5; i++) expect(() => auth.verifyLogin("nope", "9.9.9.9")).toThrow(expect.objectContaining({ code: "unauthorized" }));
    expect(() => auth.verifyLogin("correct horse battery staple", "9.9.9.9")).toThrow(expect.objectContaining({ code: "rate_limited" }));
    expect(auth.isAdminSession(auth.verifyLogin("correct horse battery staple", "8.8.8.8"))).toBe(true);
  });
});
