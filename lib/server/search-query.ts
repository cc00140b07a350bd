import { searchQuerySchema } from "../api-query";
import { AppError } from "../errors";

/** The `q` of a search request, or a readable error. */
export function parseSearchQuery(request: Request): string {
  const parsed = searchQuerySchema.safeParse({ q: new URL(request.url).searchParams.get("q") ?? "" });
  if (!parsed.success) throw new AppError("validation_failed", "bad search query", "Type between 1 and 200 characters to search for.");
  return parsed.data.q;
}
