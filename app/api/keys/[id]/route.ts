import { z } from "zod";
import { toApiKeyDto } from "@/db/dto-keys";
import { AppError } from "@/lib/errors";
import { requireAdmin } from "@/lib/server/admin-auth";
import { revokeApiKey } from "@/lib/server/api-keys";
import { db } from "@/lib/server/context";
import { handle } from "@/lib/server/http";

/** Revokes a key at once: its next request gets a 401. Its documents stay, for the admin. */
export async function DELETE(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return handle(async () => {
    requireAdmin(request);
    const id = z.uuid().safeParse((await params).id);
    if (!id.success) throw new AppError("invalid_id", "malformed key id", "That is not a valid API key id.");
    return Response.json({ apiKey: toApiKeyDto(await revokeApiKey(db(), id.data)) });
  });
}
