/** A fixed-window counter per key, in memory: enough to slow a single abusive client on one web process. */
export function createRateLimiter(opts: { limit: number; windowMs: number }) {
  const hits = new Map<string, { count: number; resetAt: number }>();
  return {
    /** Counts a hit; returns the seconds to wait when over the limit, or 0. */
    hit(key: string, now = Date.now()): number {
      const entry = hits.get(key);
      if (!entry || entry.resetAt <= now) {
        if (hits.size > 10_000) for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
        hits.set(key, { count: 1, resetAt: now + opts.windowMs });
        return 0;
      }
      entry.count += 1;
      return entry.count > opts.limit ? Math.ceil((entry.resetAt - now) / 1000) : 0;
    },
    reset(key: string) {
      hits.delete(key);
    },
  };
}
