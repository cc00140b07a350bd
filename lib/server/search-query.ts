import { z } from "zod";
import { AppError } from "../errors";

const searchQuery = z.object({ q: z.string().trim().min(1).max(200) });

/** The `q` of a search request, or a readable error. */
export function parseSearchQuery(request: Request): string {
  const parsed = searchQuery.safeParse({ q: new URL(request.url).searchParams.get("q") ?? "" });
  if (!parsed.success) throw new AppError("validation_failed", "bad search query", "Type between 1 and 200 characters to search for.");
  return parsed.data.q;
}
