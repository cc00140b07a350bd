import type { z } from "zod";
import { apiErrorSchema } from "@/lib/api-types";

/** An API failure with the server's message, safe to show to people as is. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const errorMessage = (error: unknown) =>
  error instanceof Error && error.message ? error.message : "Something went wrong. Please try again.";

async function toApiError(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null);
  const parsed = apiErrorSchema.safeParse(body);
  if (parsed.success) return new ApiError(res.status, parsed.data.error.code, parsed.data.error.message);
  return new ApiError(res.status, "http_error", `The server answered with an error (HTTP ${res.status}). Please try again.`);
}

/**
 * Calls a JSON endpoint and validates the answer with `schema` (pass null for bodiless answers such as 204).
 * Every failure becomes an ApiError whose message is fit for the UI.
 */
export async function apiJson<S extends z.ZodType>(url: string, schema: S, init?: RequestInit & { json?: unknown }): Promise<z.output<S>>;
export async function apiJson(url: string, schema: null, init?: RequestInit & { json?: unknown }): Promise<void>;
export async function apiJson(url: string, schema: z.ZodType | null, init: RequestInit & { json?: unknown } = {}): Promise<unknown> {
  const { json, headers, ...rest } = init;
  let res: Response;
  try {
    res = await fetch(url, {
      ...rest,
      credentials: "same-origin",
      headers: { accept: "application/json", ...(json !== undefined ? { "content-type": "application/json" } : {}), ...headers },
      body: json !== undefined ? JSON.stringify(json) : rest.body,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(0, "network", "Could not reach the server. Check your connection and try again.");
  }
  if (!res.ok) throw await toApiError(res);
  if (!schema) return undefined;
  const body: unknown = await res.json().catch(() => undefined);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(res.status, "bad_response", "The server sent a response this page does not understand.");
  return parsed.data;
}
