import { env } from "@/lib/env";
import { identifyCaller } from "@/lib/server/callers";
import { db } from "@/lib/server/context";
import { handle } from "@/lib/server/http";
import { listModels } from "@/lib/server/models";

export const dynamic = "force-dynamic";

/** The installed models an upload may name, the default first-class; workers are named for the admin and API keys. */
export async function GET(request: Request) {
  return handle(async () => {
    const caller = await identifyCaller({ db: db(), env: env() }, request);
    return Response.json(await listModels({ db: db(), env: env() }, caller.kind !== "anonymous"));
  });
}
