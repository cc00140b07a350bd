import { z } from "zod";
import { env } from "@/lib/env";
import { sessionCookie, verifyLogin } from "@/lib/server/admin-auth";
import { clientAddress, handle, parseJson } from "@/lib/server/http";

export async function POST(request: Request) {
  return handle(async () => {
    const { password } = await parseJson(request, z.object({ password: z.string().min(1).max(1000) }));
    const session = verifyLogin(password, clientAddress(request));
    return Response.json(
      { ok: true },
      { headers: { "set-cookie": sessionCookie(session, env().NODE_ENV === "production") } },
    );
  });
}
