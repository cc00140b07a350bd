import { env } from "@/lib/env";
import { requireAdmin } from "@/lib/server/admin-auth";
import { handle } from "@/lib/server/http";
import { installedModels } from "@/lib/server/installed-models";

export const dynamic = "force-dynamic";

/** The installed model folders a document can be run again with (admin). */
export async function GET(request: Request) {
  return handle(async () => {
    requireAdmin(request);
    return Response.json({ models: await installedModels(env().MODEL_DIR) });
  });
}
